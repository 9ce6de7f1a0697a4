import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type CheckpointClaims, eventHash } from '../../src/domain/audit-chain.ts';
import { keysFromJwks } from '../../src/licensing/jwks.ts';
import { splitCompactJws, verifyEd25519, parseJsonPart } from '../../src/licensing/compact-jws.ts';
import { verifyAuditChain, writeCheckpoint } from '../../src/services/events/audit-chain.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { runCli } from '../support/cli.ts';
import { account, apiKey, assertProblem, partner } from '../support/fixtures.ts';
import type { TestServer } from '../support/server.ts';
import { describeEachBackend } from '../support/suite.ts';

/** `licentia audit verify` against the test server's database, as an operator would run it. */
function auditVerify(server: TestServer): { status: number | null; out: string } {
  const result = runCli(['audit', 'verify'], {
    env: { DATABASE_URL: server.databaseUrl, LICENTIA_AUDIT_CHAIN: 'true' },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

async function eventOfSubject(ctx: ServiceContext, subjectId: string) {
  return ctx.store.db
    .selectFrom('events')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .orderBy('seq')
    .executeTakeFirstOrThrow();
}

describeEachBackend(
  'the tamper-evident audit log',
  (server) => {
    it('chains every event to the one before it, and publishes signed checkpoints', async () => {
      const { api, running } = server();
      await Promise.all(Array.from({ length: 8 }, () => account(api)));
      const intact = await verifyAuditChain(running.ctx);
      assert.equal(intact.broken, undefined, JSON.stringify(intact.broken));
      assert.ok(intact.events >= 9);
      const checkpoint = await writeCheckpoint(running.ctx);
      assert.ok(checkpoint);
      assert.equal(await writeCheckpoint(running.ctx), undefined, 'no new checkpoint while the head stands still');

      const listed = await api.get('/events/checkpoints');
      assert.equal(listed.status, 200, listed.text);
      const [published] = listed.body.items;
      assert.equal(published.count, checkpoint.count);
      assert.equal(published.hash, checkpoint.hash);
      const jwks = (await fetch(`${server().url}/.well-known/jwks.json`).then((r) => r.json())) as never;
      const split = splitCompactJws(published.signature);
      assert.ok(split.ok);
      const key = keysFromJwks(jwks).get(published.kid);
      assert.ok(key && verifyEd25519(split.jws, key), 'anyone with the JWKS can check a checkpoint');
      const claims = parseJsonPart(split.jws.payloadB64) as CheckpointClaims;
      assert.equal(claims.count, published.count);
      assert.equal(claims.hash, published.hash);

      const p = await partner(api);
      assertProblem(await api.as(await apiKey(api, 'partner', p.id)).get('/events/checkpoints'), 403, 'FORBIDDEN');
      assertProblem(
        await api.as(await apiKey(api, 'operator')).get('/events/checkpoints?limit=0'),
        400,
        'VALIDATION_FAILED',
      );
      assertProblem(await api.as(null).get('/events/checkpoints'), 401, 'UNAUTHENTICATED');
      const verified = auditVerify(server());
      assert.equal(verified.status, 0, verified.out);
      assert.match(verified.out, /audit log intact: \d+ events, 1 signed checkpoints/);
    });

    it('names an event altered in the database', async () => {
      const { api, running } = server();
      const victim = await account(api, { name: 'Honest Customer' });
      await account(api);
      const row = await eventOfSubject(running.ctx, victim.id);
      const forged = (row.after ?? '').replace('Honest Customer', 'Forged Customer');
      await running.ctx.store.db.updateTable('events').set({ after: forged }).where('id', '=', row.id).execute();
      const broken = auditVerify(server());
      assert.equal(broken.status, 1);
      assert.match(broken.out, new RegExp(`BROKEN \\(altered\\): event ${row.id} \\(#${row.seq}\\) was altered`));
      await running.ctx.store.db.updateTable('events').set({ after: row.after }).where('id', '=', row.id).execute();
      assert.equal((await verifyAuditChain(running.ctx)).broken, undefined);
    });

    it('names the place of an event deleted from the database', async () => {
      const { api, running } = server();
      const before = await account(api);
      const gone = await account(api);
      await account(api);
      const previous = await eventOfSubject(running.ctx, before.id);
      const row = await eventOfSubject(running.ctx, gone.id);
      await running.ctx.store.db.deleteFrom('events').where('id', '=', row.id).execute();
      const broken = auditVerify(server());
      assert.equal(broken.status, 1);
      assert.match(
        broken.out,
        new RegExp(`BROKEN \\(deleted\\): event #${row.seq}, after ${previous.id}, was deleted`),
      );
      await running.ctx.store.db.insertInto('events').values(row).execute();
    });

    it('names an event inserted into the database', async () => {
      const { running } = server();
      assert.equal((await verifyAuditChain(running.ctx)).broken, undefined);
      const id = 'evt_0000000000000000000000000inserted';
      await running.ctx.store.db
        .insertInto('events')
        .values({
          id,
          at: new Date().toISOString(),
          actor: 'admin',
          action: 'api-key.created',
          subject_type: 'api-key',
          subject_id: 'key_planted',
          before: null,
          after: null,
          seq: null,
          prev_hash: null,
          hash: null,
        })
        .execute();
      const broken = auditVerify(server());
      assert.equal(broken.status, 1);
      assert.match(
        broken.out,
        new RegExp(`BROKEN \\(inserted\\): event ${id} has no place in the chain: it was inserted`),
      );
      await running.ctx.store.db.deleteFrom('events').where('id', '=', id).execute();
    });

    it('catches a rewrite with every hash recomputed, through the signed checkpoint', async () => {
      const { api, running } = server();
      const { db } = running.ctx.store;
      const victim = await account(api, { name: 'Checkpointed' });
      await writeCheckpoint(running.ctx);
      const rows = await db.selectFrom('events').selectAll().orderBy('seq').execute();
      const original = rows.map((r) => ({ ...r }));
      let prev = '0'.repeat(64);
      for (const r of rows) {
        const after = r.subject_id === victim.id ? (r.after ?? '').replace('Checkpointed', 'Rewritten') : r.after;
        const fields = { seq: Number(r.seq), id: r.id, at: r.at, actor: r.actor, action: r.action };
        const hash = eventHash(prev, {
          ...fields,
          subjectType: r.subject_type,
          subjectId: r.subject_id,
          before: r.before,
          after,
        });
        await db.updateTable('events').set({ after, prev_hash: prev, hash }).where('id', '=', r.id).execute();
        prev = hash;
      }
      await db.updateTable('audit_chain_heads').set({ hash: prev }).execute();
      const report = await verifyAuditChain(running.ctx);
      assert.equal(report.broken?.kind, 'checkpoint', JSON.stringify(report.broken));
      assert.match(report.broken?.detail ?? '', /the log was rewritten/);
      for (const r of original)
        await db
          .updateTable('events')
          .set({ after: r.after, prev_hash: r.prev_hash, hash: r.hash })
          .where('id', '=', r.id)
          .execute();
      await db
        .updateTable('audit_chain_heads')
        .set({ hash: original.at(-1)?.hash ?? '' })
        .execute();
      assert.equal((await verifyAuditChain(running.ctx)).broken, undefined);
    });

    it('keeps the chain whole under concurrent changes', async () => {
      const { api, running } = server();
      await Promise.all(Array.from({ length: 40 }, () => account(api)));
      const report = await verifyAuditChain(running.ctx);
      assert.equal(report.broken, undefined, JSON.stringify(report.broken));
    });
  },
  { auditChain: true },
);

describeEachBackend('the audit log with LICENTIA_AUDIT_CHAIN off (the default)', (server) => {
  it('writes events outside any chain, and verify says it did not check them', async () => {
    const { api, running } = server();
    const created = await account(api);
    const event = await eventOfSubject(running.ctx, created.id);
    assert.equal(event.seq, null);
    assert.equal(event.hash, null);
    const head = await running.ctx.store.db.selectFrom('audit_chain_heads').select('seq').executeTakeFirstOrThrow();
    assert.equal(Number(head.seq), 0, 'no event took a place in the chain');
    assert.equal((await verifyAuditChain(running.ctx)).broken, undefined);
    const result = runCli(['audit', 'verify'], { env: { DATABASE_URL: server().databaseUrl } });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /LICENTIA_AUDIT_CHAIN is off/);
  });
});
