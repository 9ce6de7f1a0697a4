import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUDIT_CHAINS, GENESIS_HASH, type SingleChainClaims } from '../../src/domain/audit-chain.ts';
import { defaultConfig } from '../../src/config.ts';
import { signEd25519Jws } from '../../src/licensing/compact-jws.ts';
import { type ServiceContext, createServiceContext } from '../../src/services/context.ts';
import { verifyAuditChain, writeCheckpoint } from '../../src/services/events/audit-chain.ts';
import { ensureSigningKey } from '../../src/services/signing-keys/ensure-signing-key.ts';
import { type Store, openStore } from '../../src/store/database.ts';
import { migrateTo, migrateToLatest } from '../../src/store/migrate.ts';
import { type FreshDatabase, backends } from '../support/backends.ts';

/**
 * Migration 0016 splits the audit log into chains: the one chain of migration 0009 (`main`)
 * becomes chain 0 with its places and hashes, and checkpoints signed before still vouch for it.
 */
for (const backend of backends) {
  describe(`the audit log's single chain, migrated to several [${backend.name}]`, { skip: backend.skip }, () => {
    let db: FreshDatabase;
    let store: Store;
    let ctx: ServiceContext;
    before(async () => {
      db = await backend.freshDatabase();
      store = openStore({ url: db.url });
      await migrateTo(store, '0008-operations');
      for (let i = 1; i <= 3; i++)
        await store.db
          .insertInto('events')
          .values({
            id: `evt_legacy_${i}`,
            at: `2026-11-0${i}T00:00:00.000Z`,
            actor: 'admin',
            action: 'account.created',
            subject_type: 'account',
            subject_id: `acc_legacy_${i}`,
            before: null,
            after: JSON.stringify({ name: `Legacy ${i}` }),
          } as never)
          .execute();
      await migrateTo(store, '0014-two-factor');
      // Written later with the chain off: no place in it.
      await store.db
        .insertInto('events')
        .values({
          id: 'evt_legacy_4',
          at: '2026-11-05T00:00:00.000Z',
          actor: 'admin',
          action: 'account.created',
          subject_type: 'account',
          subject_id: 'acc_legacy_4',
          before: null,
          after: null,
          seq: null,
          prev_hash: null,
          hash: null,
        } as never)
        .execute();
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    it('keeps the old chain as chain 0, its places, hashes and checkpoints', async () => {
      const legacy = await store.db
        .selectFrom('events')
        .selectAll()
        .where('seq', 'is not', null)
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        legacy.map((e) => Number(e.seq)),
        [1, 2, 3],
        'migration 0009 chained them',
      );
      const last = legacy.at(-1);
      assert.ok(last?.hash);
      // A checkpoint as the single chain had them (the signature is put right below, once a key exists).
      await store.db
        .insertInto('audit_checkpoints')
        .values({
          chain: 'main',
          seq: 3,
          hash: last.hash,
          at: '2026-11-04T00:00:00.000Z',
          kid: 'k',
          signature: 's',
        } as never)
        .execute();

      await migrateTo(store, '0016-audit-chains');
      const events = await store.db
        .selectFrom('events')
        .selectAll()
        .where('seq', 'is not', null)
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        events.map((e) => [e.id, e.chain, Number(e.seq), e.hash]),
        legacy.map((e) => [e.id, 0, Number(e.seq), e.hash]),
        'the old chain is chain 0, places and hashes unchanged',
      );
      const unchained = await store.db
        .selectFrom('events')
        .selectAll()
        .where('id', '=', 'evt_legacy_4')
        .executeTakeFirst();
      assert.deepEqual([unchained?.chain, unchained?.seq], [null, null], 'written with the chain off: still outside');
      const heads = await store.db.selectFrom('audit_chain_heads').selectAll().orderBy('chain').execute();
      assert.equal(heads.length, AUDIT_CHAINS);
      assert.deepEqual(
        { chain: heads[0]?.chain, seq: Number(heads[0]?.seq), hash: heads[0]?.hash, prev: heads[0]?.prev_hash },
        { chain: 0, seq: 3, hash: last.hash, prev: last.prev_hash },
      );
      assert.ok(heads.slice(1).every((h) => Number(h.seq) === 0 && h.hash === GENESIS_HASH));
      const [checkpoint] = await store.db.selectFrom('audit_checkpoints').selectAll().execute();
      assert.equal(Number(checkpoint?.count), 3);
      assert.deepEqual(JSON.parse(checkpoint?.heads ?? ''), [{ chain: 0, count: 3, hash: last.hash }]);

      ctx = createServiceContext(store, {
        ...defaultConfig,
        databaseUrl: db.url,
        auditChain: true,
        secret: 'audit-chains-migration-test-secret-0123456789',
      });
      await ensureSigningKey(ctx);
      await ctx.keyRing.load();
      const { kid, privateKey } = ctx.keyRing.signingKey();
      const claims: SingleChainClaims = { chain: 'main', count: 3, hash: last.hash, at: '2026-11-04T00:00:00.000Z' };
      const signature = signEd25519Jws({ alg: 'EdDSA', kid, typ: 'licentia-audit-checkpoint' }, claims, privateKey);
      await store.db.updateTable('audit_checkpoints').set({ kid, signature }).where('count', '=', 3).execute();

      const outside = await verifyAuditChain(ctx);
      assert.deepEqual(
        outside.breaks.map((b) => [b.kind, 'eventId' in b ? b.eventId : undefined]),
        [['inserted', 'evt_legacy_4']],
        'with the chain on, an event written while it was off is reported',
      );
      // Migration 0019 (the chain on by default) takes it in, at the end of its subject's chain.
      await migrateToLatest(store);
      const taken = await store.db
        .selectFrom('events')
        .selectAll()
        .where('id', '=', 'evt_legacy_4')
        .executeTakeFirstOrThrow();
      assert.notEqual(taken.seq, null, 'chained by migration 0019');
      const report = await verifyAuditChain(ctx);
      assert.deepEqual(report.breaks, []);
      assert.equal(report.checkpoints, 1);
      assert.ok(report.events >= 5, 'the old events, the one chained at the upgrade and the signing key’s');
      assert.ok(await writeCheckpoint(ctx));
      assert.deepEqual((await verifyAuditChain(ctx)).breaks, []);
    });

    it('still names an old event altered, against the checkpoint signed before the split', async () => {
      await store.db.updateTable('events').set({ actor: 'someone else' }).where('id', '=', 'evt_legacy_2').execute();
      const report = await verifyAuditChain(ctx);
      assert.equal(report.breaks[0]?.kind, 'altered');
      assert.match(report.breaks[0]?.detail ?? '', /event evt_legacy_2 \(chain 0 #2\) was altered/);
      await store.db.updateTable('events').set({ actor: 'admin' }).where('id', '=', 'evt_legacy_2').execute();
      const heads = JSON.stringify([{ chain: 0, count: 3, hash: GENESIS_HASH }]);
      await store.db.updateTable('audit_checkpoints').set({ heads }).where('count', '=', 3).execute();
      const forged = await verifyAuditChain(ctx);
      assert.match(forged.breaks[0]?.detail ?? '', /the checkpoint of 3 events was altered/);
    });
  });
}
