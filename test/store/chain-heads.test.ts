import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GENESIS_HASH, chainOf, eventHash } from '../../src/domain/audit-chain.ts';
import { systemActor as actor } from '../../src/domain/actors.ts';
import type { AuditEvent } from '../../src/domain/events.ts';
import { newId } from '../../src/domain/ids.ts';
import { runTransaction } from '../../src/services/transaction-scope.ts';
import { audit } from '../../src/services/audit.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { appendChainedEvents } from '../../src/store/events.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { backends, type FreshDatabase } from '../support/backends.ts';

/** Each chain walked by place: every link and hash right, and its head row on its last event. */
async function assertChainsIntact(store: Store): Promise<number> {
  const events = await store.db
    .selectFrom('events')
    .selectAll()
    .where('seq', 'is not', null)
    .orderBy('chain')
    .orderBy('seq')
    .execute();
  const heads = await store.db.selectFrom('audit_chain_heads').selectAll().execute();
  const last = new Map<number, { seq: number; hash: string; prevHash: string }>();
  for (const e of events) {
    const chain = Number(e.chain);
    const before = last.get(chain) ?? { seq: 0, hash: GENESIS_HASH, prevHash: GENESIS_HASH };
    assert.equal(Number(e.seq), before.seq + 1, `chain ${chain}: places follow one another`);
    assert.equal(e.prev_hash, before.hash, `chain ${chain}: each event links to the one before`);
    assert.equal(chain, chainOf(e.subject_type, e.subject_id));
    const hash = eventHash(e.prev_hash ?? '', {
      seq: Number(e.seq),
      id: e.id,
      at: e.at,
      actor: e.actor,
      action: e.action,
      subjectType: e.subject_type,
      subjectId: e.subject_id,
      before: e.before,
      after: e.after,
    });
    assert.equal(e.hash, hash);
    last.set(chain, { seq: Number(e.seq), hash, prevHash: e.prev_hash ?? '' });
  }
  for (const h of heads) {
    const expected = last.get(Number(h.chain)) ?? { seq: 0, hash: GENESIS_HASH, prevHash: GENESIS_HASH };
    assert.deepEqual(
      { seq: Number(h.seq), hash: h.hash, prevHash: h.prev_hash },
      expected,
      `head of chain ${h.chain} on its last event`,
    );
  }
  return events.length;
}

function change(subjectId: string) {
  return { action: 'test.changed', subjectType: 'thing', subjectId, after: { subjectId } };
}

/** A service transaction with the chain on that audits `subjects`. */
function audited(store: Store, subjects: string[]): Promise<void> {
  return runTransaction(store, true, async (tx) => {
    for (const s of subjects) await audit(tx, actor, new Date().toISOString(), change(s));
  });
}

/** A transaction that appends chained events of `subjects`, then fails: it rolls back after moving heads. */
function appendedThenFailed(store: Store, subjects: string[]): Promise<void> {
  return store.transaction(async (tx) => {
    const at = new Date().toISOString();
    const events: AuditEvent[] = subjects.map((s) => ({
      id: newId('event'),
      at,
      actor: 'system',
      ...change(s),
      before: null,
    }));
    await appendChainedEvents(tx, events);
    throw new Error('rolled back on purpose');
  });
}

for (const backend of backends) {
  describe(`audit chain heads [${backend.name}]`, { skip: backend.skip }, () => {
    let db: FreshDatabase;
    let store: Store;
    before(async () => {
      db = await backend.freshDatabase();
      store = openStore({ url: db.url });
      await migrateToLatest(store);
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    it('transactions of one group commit, some rolled back after appending: heads and links stay right', async () => {
      const subjects = Array.from({ length: 40 }, (_, i) => `s${i % 13}`);
      const outcomes = await Promise.allSettled(
        subjects.map((s, i) => (i % 3 === 1 ? appendedThenFailed : audited)(store, [s, `${s}-x`])),
      );
      assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 13);
      assert.equal(await assertChainsIntact(store), 27 * 2);
    });

    it('another connection appending to the same chains in between is followed, not overwritten', async () => {
      const other = openStore({ url: db.url });
      try {
        for (let round = 0; round < 3; round++) {
          await Promise.all(Array.from({ length: 10 }, (_, i) => audited(store, [`t${i}`])));
          await Promise.all(Array.from({ length: 10 }, (_, i) => audited(other, [`t${i}`, `u${i}`])));
        }
        await audited(store, ['t0', 't1']);
        await assertChainsIntact(store);
      } finally {
        await other.close();
      }
    });

    it('a write on the same connection outside any transaction (a migration) is followed too', async () => {
      await audited(store, ['w0']);
      const chain = chainOf('thing', 'w0');
      const head = await store.db
        .selectFrom('audit_chain_heads')
        .selectAll()
        .where('chain', '=', chain)
        .executeTakeFirstOrThrow();
      const e = { id: newId('event'), at: new Date().toISOString(), actor: 'system', action: 'test.changed' };
      const seq = Number(head.seq) + 1;
      const hash = eventHash(head.hash, {
        seq,
        ...e,
        subjectType: 'thing',
        subjectId: 'w0',
        before: null,
        after: null,
      });
      await store.db
        .insertInto('events')
        .values({
          ...e,
          subject_type: 'thing',
          subject_id: 'w0',
          before: null,
          after: null,
          chain,
          seq,
          prev_hash: head.hash,
          hash,
        })
        .execute();
      await store.db
        .updateTable('audit_chain_heads')
        .set({ seq, hash, prev_hash: head.hash })
        .where('chain', '=', chain)
        .execute();
      await audited(store, ['w0']);
      await assertChainsIntact(store);
    });

    it('a whole batch that fails to commit leaves no head behind in memory', async () => {
      if (!store.sqlite) return;
      const before = await assertChainsIntact(store);
      // A member that makes SQLite give up the whole transaction: the batch is lost, not committed.
      const doomed = Promise.allSettled([
        audited(store, ['v0']),
        runTransaction(store, true, async (tx) => {
          await audit(tx, actor, new Date().toISOString(), change('v1'));
          store.sqlite?.prepare('rollback').run();
          throw new Error('the transaction is gone');
        }),
      ]);
      await doomed;
      assert.equal(await assertChainsIntact(store), before);
      await audited(store, ['v0', 'v1']);
      assert.equal(await assertChainsIntact(store), before + 2);
    });
  });
}
