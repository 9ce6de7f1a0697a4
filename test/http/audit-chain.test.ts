import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AUDIT_CHAINS, type CheckpointClaims, GENESIS_HASH, chainOf, eventHash } from '../../src/domain/audit-chain.ts';
import { keysFromJwks } from '../../src/licensing/jwks.ts';
import { splitCompactJws, verifyEd25519, parseJsonPart } from '../../src/licensing/compact-jws.ts';
import { verifyAuditChain, writeCheckpoint } from '../../src/services/events/audit-chain.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import type { Row } from '../../src/store/schema.ts';
import { runCli } from '../support/cli.ts';
import { account, apiKey, assertProblem, deployedEntitlement, partner, product } from '../support/fixtures.ts';
import type { TestServer } from '../support/server.ts';
import { describeEachBackend } from '../support/suite.ts';

/** `licentia audit verify` against the test server's database, as an operator would run it. */
function auditVerify(server: TestServer): { status: number | null; out: string } {
  const result = runCli(['audit', 'verify'], {
    env: { DATABASE_URL: server.databaseUrl, LICENTIA_AUDIT_CHAIN: 'true' },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

async function eventsOfSubject(ctx: ServiceContext, subjectId: string) {
  return ctx.store.db.selectFrom('events').selectAll().where('subject_id', '=', subjectId).orderBy('seq').execute();
}

async function eventOfSubject(ctx: ServiceContext, subjectId: string) {
  const [first] = await eventsOfSubject(ctx, subjectId);
  assert.ok(first, `an event of ${subjectId}`);
  return first;
}

async function assertIntact(ctx: ServiceContext): Promise<void> {
  const report = await verifyAuditChain(ctx);
  assert.deepEqual(report.breaks, []);
}

/** An account with several events of its own: they all lie in one chain, one after another. */
async function accountWithHistory(server: TestServer, changes: number) {
  const { api, running } = server;
  const created = await account(api, { name: 'History 0' });
  for (let i = 1; i <= changes; i++) {
    const patched = await api.patch(`/accounts/${created.id}`, { name: `History ${i}` });
    assert.equal(patched.status, 200, patched.text);
  }
  const events = await eventsOfSubject(running.ctx, created.id);
  assert.equal(events.length, changes + 1);
  return { id: created.id, events };
}

describeEachBackend(
  'the tamper-evident audit log',
  (server) => {
    it('chains each event to the one before it in its subject’s chain, and publishes signed checkpoints of every head', async () => {
      const { api, running } = server();
      const accounts = await Promise.all(Array.from({ length: 12 }, () => account(api)));
      const history = await accountWithHistory(server(), 3);
      const chain = chainOf('account', history.id);
      assert.deepEqual(
        history.events.map((e) => e.chain),
        history.events.map(() => chain),
        'one subject, one chain',
      );
      for (const [i, e] of history.events.entries())
        if (i > 0) assert.ok(Number(e.seq) > Number(history.events[i - 1]?.seq), 'in the order of the changes');
      const chains = new Set<number>();
      for (const a of accounts) chains.add(Number((await eventOfSubject(running.ctx, a.id)).chain));
      assert.ok(chains.size > 1, 'subjects spread over several chains');

      const intact = await verifyAuditChain(running.ctx);
      assert.deepEqual(intact.breaks, []);
      assert.equal(intact.chains, AUDIT_CHAINS);
      assert.ok(intact.events >= 16);
      const checkpoint = await writeCheckpoint(running.ctx);
      assert.ok(checkpoint);
      assert.equal(await writeCheckpoint(running.ctx), undefined, 'no new checkpoint while the heads stand still');
      assert.ok(checkpoint.heads.length > 1, 'the checkpoint signs the head of each chain with events');
      assert.equal(
        checkpoint.count,
        checkpoint.heads.reduce((sum, h) => sum + h.count, 0),
      );

      const listed = await api.get('/events/checkpoints');
      assert.equal(listed.status, 200, listed.text);
      const [published] = listed.body.items;
      assert.ok(published);
      assert.equal(published.count, checkpoint.count);
      assert.deepEqual(published.heads, checkpoint.heads);
      const jwks = (await fetch(`${server().url}/.well-known/jwks.json`).then((r) => r.json())) as never;
      const split = splitCompactJws(published.signature);
      assert.ok(split.ok);
      const key = keysFromJwks(jwks).get(published.kid);
      assert.ok(key && verifyEd25519(split.jws, key), 'anyone with the JWKS can check a checkpoint');
      const claims = parseJsonPart(split.jws.payloadB64) as CheckpointClaims;
      assert.equal(claims.count, published.count);
      assert.deepEqual(claims.heads, published.heads);
      const head = claims.heads.find((h) => h.chain === chain);
      assert.equal(head?.hash, history.events.at(-1)?.hash);

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
      assert.match(
        verified.out,
        new RegExp(`audit log intact: \\d+ events in ${AUDIT_CHAINS} chains, 1 signed checkpoints`),
      );
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
      assert.match(
        broken.out,
        new RegExp(`BROKEN \\(altered\\): event ${row.id} \\(chain ${row.chain} #${row.seq}\\) was altered`),
      );
      await running.ctx.store.db.updateTable('events').set({ after: row.after }).where('id', '=', row.id).execute();
      await assertIntact(running.ctx);
    });

    it('names the place of an event deleted from the database, after the event before it in its chain', async () => {
      const { running } = server();
      const { events } = await accountWithHistory(server(), 2);
      const [first, gone] = events;
      assert.ok(first && gone);
      await running.ctx.store.db.deleteFrom('events').where('id', '=', gone.id).execute();
      const broken = auditVerify(server());
      assert.equal(broken.status, 1);
      assert.match(
        broken.out,
        new RegExp(`BROKEN \\(deleted\\): chain ${gone.chain}: event #${gone.seq}, after ${first.id}, was deleted`),
      );
      await running.ctx.store.db.insertInto('events').values(gone).execute();
      await assertIntact(running.ctx);
    });

    it('names an event inserted outside the chains, or past a chain’s head', async () => {
      const { running } = server();
      const { db } = running.ctx.store;
      await assertIntact(running.ctx);
      const planted = {
        at: new Date().toISOString(),
        actor: 'admin',
        action: 'api-key.created',
        subject_type: 'api-key',
        subject_id: 'key_planted',
        before: null,
        after: null,
      };
      const id = 'evt_0000000000000000000000000inserted';
      await db
        .insertInto('events')
        .values({ id, ...planted, chain: null, seq: null, prev_hash: null, hash: null })
        .execute();
      const broken = auditVerify(server());
      assert.equal(broken.status, 1);
      assert.match(
        broken.out,
        new RegExp(`BROKEN \\(inserted\\): event ${id} has no place in the chain: it was inserted`),
      );
      await db.deleteFrom('events').where('id', '=', id).execute();

      // A well-formed event, hashed onto the head of its subject's chain, without moving the head.
      const chain = chainOf('api-key', 'key_planted');
      const head = await db
        .selectFrom('audit_chain_heads')
        .selectAll()
        .where('chain', '=', chain)
        .executeTakeFirstOrThrow();
      const seq = Number(head.seq) + 1;
      const pastId = 'evt_0000000000000000000000pasthead';
      const hash = eventHash(head.hash, {
        seq,
        id: pastId,
        at: planted.at,
        actor: planted.actor,
        action: planted.action,
        subjectType: planted.subject_type,
        subjectId: planted.subject_id,
        before: null,
        after: null,
      });
      await db
        .insertInto('events')
        .values({ id: pastId, ...planted, chain, seq, prev_hash: head.hash, hash })
        .execute();
      const past = auditVerify(server());
      assert.equal(past.status, 1);
      assert.match(
        past.out,
        new RegExp(`BROKEN \\(inserted\\): event ${pastId} \\(chain ${chain} #${seq}\\) lies past the chain's head`),
      );
      await db.deleteFrom('events').where('id', '=', pastId).execute();
      await assertIntact(running.ctx);
    });

    it('names the first break of each chain when several chains are broken', async () => {
      const { running } = server();
      const { db } = running.ctx.store;
      const a = await accountWithHistory(server(), 2);
      let b = await accountWithHistory(server(), 2);
      while (b.events[0]?.chain === a.events[0]?.chain) b = await accountWithHistory(server(), 2);
      const altered = a.events[1];
      const gone = b.events[1];
      assert.ok(altered && gone);
      await db.updateTable('events').set({ actor: 'someone else' }).where('id', '=', altered.id).execute();
      await db.deleteFrom('events').where('id', '=', gone.id).execute();
      const broken = auditVerify(server());
      assert.equal(broken.status, 1);
      assert.match(broken.out, new RegExp(`BROKEN \\(altered\\): event ${altered.id} \\(chain ${altered.chain} #`));
      assert.match(broken.out, new RegExp(`BROKEN \\(deleted\\): chain ${gone.chain}: event #${gone.seq}, after `));
      await db.updateTable('events').set({ actor: altered.actor }).where('id', '=', altered.id).execute();
      await db.insertInto('events').values(gone).execute();
      await assertIntact(running.ctx);
    });

    it('catches a rewrite with every hash recomputed, through the signed checkpoint', async () => {
      const { api, running } = server();
      const { db } = running.ctx.store;
      const victim = await account(api, { name: 'Checkpointed' });
      const victimChain = Number((await eventOfSubject(running.ctx, victim.id)).chain);
      await writeCheckpoint(running.ctx);
      const rows = await db.selectFrom('events').selectAll().where('chain', '=', victimChain).orderBy('seq').execute();
      const original = rows.map((r) => ({ ...r }));
      let prev = GENESIS_HASH;
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
      await db.updateTable('audit_chain_heads').set({ hash: prev }).where('chain', '=', victimChain).execute();
      const report = await verifyAuditChain(running.ctx);
      assert.equal(report.breaks.length, 1, JSON.stringify(report.breaks));
      assert.equal(report.breaks[0]?.kind, 'checkpoint');
      assert.equal(report.breaks[0]?.chain, victimChain);
      assert.match(report.breaks[0]?.detail ?? '', /the log was rewritten/);
      for (const r of original)
        await db
          .updateTable('events')
          .set({ after: r.after, prev_hash: r.prev_hash, hash: r.hash })
          .where('id', '=', r.id)
          .execute();
      await db
        .updateTable('audit_chain_heads')
        .set({ hash: original.at(-1)?.hash ?? '' })
        .where('chain', '=', victimChain)
        .execute();
      await assertIntact(running.ctx);
    });

    it('keeps every chain whole under concurrent changes: 50 activations at once, and accounts', async () => {
      const { api, running } = server();
      const { db } = running.ctx.store;
      const owner = await account(api);
      const made = await product(api);
      const entitlement = await deployedEntitlement(api, { soldTo: owner.id, productId: made.id, quantity: 100 });
      const code = entitlement.lineItems[0]?.activationId;
      const answers = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) =>
          api.as(null).post('/activations', { code, fingerprint: `chain-concurrency-${i}` }),
        ),
        ...Array.from({ length: 20 }, () => api.post('/accounts', { name: 'Concurrent', type: 'customer' })),
      ]);
      for (const answer of answers) assert.equal(answer.status, 201, answer.text);
      await assertIntact(running.ctx);
      const activated = await db
        .selectFrom('events')
        .select(['chain', 'seq'])
        .where('action', '=', 'activation.created')
        .execute();
      assert.ok(activated.length >= 50);
      assert.ok(new Set(activated.map((e) => e.chain)).size > 10, 'activations spread over the chains');
      const heads = await db.selectFrom('audit_chain_heads').selectAll().execute();
      const chained = await db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('seq', 'is not', null)
        .executeTakeFirstOrThrow();
      assert.equal(
        heads.reduce((sum, h) => sum + Number(h.seq), 0),
        Number(chained.n),
        'each chained event has its own place',
      );
      assert.ok(await writeCheckpoint(running.ctx));
      const verified = auditVerify(server());
      assert.equal(verified.status, 0, verified.out);
    });
  },
  { auditChain: true },
);

describeEachBackend(
  'the audit log with LICENTIA_AUDIT_CHAIN=false',
  (server) => {
    it('writes events outside any chain, and verify says it did not check them', async () => {
      const { api, running } = server();
      const created = await account(api);
      const event: Row<'events'> = await eventOfSubject(running.ctx, created.id);
      assert.equal(event.chain, null);
      assert.equal(event.seq, null);
      assert.equal(event.hash, null);
      const heads = await running.ctx.store.db.selectFrom('audit_chain_heads').select('seq').execute();
      assert.equal(heads.length, AUDIT_CHAINS);
      assert.ok(
        heads.every((h) => Number(h.seq) === 0),
        'no event took a place in a chain',
      );
      assert.deepEqual((await verifyAuditChain(running.ctx)).breaks, []);
      const result = runCli(['audit', 'verify'], {
        env: { DATABASE_URL: server().databaseUrl, LICENTIA_AUDIT_CHAIN: 'false' },
      });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /LICENTIA_AUDIT_CHAIN is off/);
    });
  },
  { auditChain: false },
);
