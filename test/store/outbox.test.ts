import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import { Dispatcher, type DeliveryOutcome, type OutboxHandler } from '../../src/services/outbox/dispatcher.ts';
import { enqueue } from '../../src/services/outbox/enqueue.ts';
import { type Store, openStore } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import {
  type OutboxMessage,
  backlogQuery,
  claimDue,
  dueMessages,
  findOutboxMessage,
  listAttempts,
} from '../../src/store/outbox.ts';
import { type FreshDatabase, backends } from '../support/backends.ts';

const options = { pollMs: 20, leaseMs: 400, batchSize: 50, retentionMs: 86_400_000, auditChain: false };

/** A kind of delivery made for these tests: it records what it is given and answers as told. */
function recordingHandler(kind: string, answer: (message: OutboxMessage, seen: number) => DeliveryOutcome) {
  const seen: OutboxMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const handler: OutboxHandler = {
    kind,
    schedule: [10, 10, 10],
    async deliver(message) {
      seen.push(message);
      for (const waiter of waiters) if (seen.length >= waiter.count) waiter.resolve();
      return answer(message, seen.filter((m) => m.id === message.id).length);
    },
  };
  const seenAtLeast = (count: number) =>
    new Promise<void>((resolve) => {
      if (seen.length >= count) resolve();
      else waiters.push({ count, resolve });
    });
  return { handler, seen, seenAtLeast };
}

async function settledStatus(store: Store, id: string, status: string): Promise<OutboxMessage> {
  for (;;) {
    const row = await findOutboxMessage(store.db, id);
    if (row?.status === status && row.nextAttemptAt === null) return row;
    if (row?.status === status && status === 'pending') return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const backend of backends) {
  describe(`transactional outbox [${backend.name}]`, { skip: backend.skip }, () => {
    let database: FreshDatabase;
    let store: Store;
    const dispatchers: Dispatcher[] = [];
    const dispatcher = (leaseMs = options.leaseMs) => {
      const made = new Dispatcher(store, { ...options, leaseMs });
      dispatchers.push(made);
      return made;
    };

    // The dispatcher's poll timer does not keep a process alive (a server's listener does): this does.
    let keepAlive: NodeJS.Timeout | undefined;
    before(async () => {
      keepAlive = setInterval(() => undefined, 1000);
      database = await backend.freshDatabase();
      store = openStore({ url: database.url, poolSize: 4 });
      await migrateToLatest(store);
    });
    after(async () => {
      await Promise.all(dispatchers.map((d) => d.stop()));
      await store.close();
      await database.drop();
      clearInterval(keepAlive);
    });

    it('delivers what a committed transaction enqueued, and nothing of a rolled-back one', async () => {
      const { handler, seen, seenAtLeast } = recordingHandler('t-commit', () => ({ result: 'delivered' }));
      const d = dispatcher();
      d.register(handler);
      d.start();
      await assert.rejects(
        store.transaction(async (tx) => {
          await enqueue(tx, { kind: 't-commit', topic: 'lost', payload: { n: 0 }, at: new Date().toISOString() });
          throw new Error('refused');
        }),
      );
      const [id] = await store.transaction((tx) =>
        enqueue(tx, { kind: 't-commit', topic: 'kept', payload: { n: 1 }, at: new Date().toISOString() }),
      );
      await seenAtLeast(1);
      const row = await settledStatus(store, id ?? '', 'delivered');
      assert.equal(row.attempts, 1);
      assert.deepEqual(
        seen.map((m) => m.payload),
        [{ n: 1 }],
      );
      await d.stop();
    });

    it('retries with the schedule, logs every attempt, and fails once the schedule is used up', async () => {
      const { handler } = recordingHandler('t-retry', (message, n) =>
        message.topic === 'flaky' && n >= 3
          ? { result: 'delivered', statusCode: 204 }
          : { result: 'retry', statusCode: 500, response: 'x'.repeat(3000) },
      );
      const d = dispatcher();
      d.register(handler);
      d.start();
      const at = new Date().toISOString();
      const [flaky, broken] = await store.transaction((tx) =>
        enqueue(
          tx,
          { kind: 't-retry', topic: 'flaky', target: 'a', eventId: 'e1', payload: {}, at },
          { kind: 't-retry', topic: 'broken', target: 'a', eventId: 'e2', payload: {}, at },
        ),
      );
      const delivered = await settledStatus(store, flaky ?? '', 'delivered');
      assert.equal(delivered.attempts, 3);
      const attempts = await listAttempts(store.db, flaky ?? '');
      assert.deepEqual(
        attempts.map((a) => a.statusCode),
        [500, 500, 204],
      );
      assert.equal(Buffer.byteLength(attempts[0]?.response ?? ''), 1024);
      const failed = await settledStatus(store, broken ?? '', 'failed');
      assert.equal(failed.attempts, 4, 'the first attempt and three retries');
      assert.equal((await listAttempts(store.db, broken ?? '')).length, 4);
      await d.stop();
    });

    it('logs its own failures and keeps delivering', async () => {
      const logged: { message: string; error: unknown }[] = [];
      const d = new Dispatcher(store, { ...options, log: (message, error) => logged.push({ message, error }) });
      dispatchers.push(d);
      let failures = 1;
      d.register({
        kind: 't-log',
        schedule: [10],
        async deliver() {
          return { result: 'delivered' };
        },
        // The handler's own bookkeeping fails once: the outcome is not recorded, the claim runs out.
        async settled() {
          if (failures-- > 0) throw new Error('bookkeeping broke');
        },
      });
      d.start();
      const at = new Date().toISOString();
      const [id] = await store.transaction((tx) => enqueue(tx, { kind: 't-log', topic: 'x', payload: {}, at }));
      const row = await settledStatus(store, id ?? '', 'delivered');
      assert.equal(row.attempts, 1, 'the attempt whose outcome was lost is not counted');
      assert.equal(logged.length, 1);
      assert.match(
        logged[0]?.message ?? '',
        /outbox dispatcher .* \(t-log\): recording the outcomes of 1 attempts failed/,
      );
      assert.ok(logged[0]?.error instanceof Error);
      assert.equal(logged[0].error.message, 'bookkeeping broke');
      await d.stop();
    });

    it('enqueues an event once per target, however often it is fanned out', async () => {
      const at = new Date().toISOString();
      const message = { kind: 't-once', topic: 'x', target: 'endpoint', eventId: 'evt_1', payload: {}, at };
      const first = await store.transaction((tx) => enqueue(tx, message));
      const second = await store.transaction((tx) => enqueue(tx, message));
      assert.equal(first.length, 1);
      assert.deepEqual(second, []);
    });

    it('takes up the claims of a process that died once their lease has run out', async () => {
      const at = new Date().toISOString();
      const [id] = await store.transaction((tx) => enqueue(tx, { kind: 't-lease', topic: 'x', payload: {}, at }));
      const now = new Date();
      const dead = await store.transaction((tx) =>
        claimDue(tx, {
          now: now.toISOString(),
          until: new Date(now.getTime() + 300).toISOString(),
          by: 'a-process-that-died',
          kinds: ['t-lease'],
          limit: 10,
        }),
      );
      assert.deepEqual(
        dead.map((m) => m.id),
        [id],
      );
      // While the claim holds, the row is out of the due range: next due when the claim runs out.
      const until = new Date(now.getTime() + 300).toISOString();
      assert.equal((await findOutboxMessage(store.db, id ?? ''))?.nextAttemptAt, until);
      const during = await store.transaction((tx) =>
        claimDue(tx, { now: new Date().toISOString(), until, by: 'another', kinds: ['t-lease'], limit: 10 }),
      );
      assert.deepEqual(during, []);
      const { handler, seen, seenAtLeast } = recordingHandler('t-lease', () => ({ result: 'delivered' }));
      const d = dispatcher();
      d.register(handler);
      d.start();
      await seenAtLeast(1);
      const claimedAt = Date.now();
      assert.ok(claimedAt - now.getTime() >= 290, 'not before the lease ran out');
      await settledStatus(store, id ?? '', 'delivered');
      assert.equal(seen.length, 1);
      await d.stop();
    });

    it('delivers each message once with two dispatchers claiming at the same time', async () => {
      const counts = new Map<string, number>();
      const total = 300;
      let done: () => void = () => undefined;
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      // A lease far longer than any attempt: a duplicate here can only come from a double claim.
      const make = () => {
        const d = dispatcher(30_000);
        d.register({
          kind: 't-race',
          schedule: [10],
          async deliver(message) {
            counts.set(message.id, (counts.get(message.id) ?? 0) + 1);
            await new Promise((resolve) => setTimeout(resolve, 1));
            if (counts.size === total) done();
            return { result: 'delivered' };
          },
        });
        return d;
      };
      // On PostgreSQL each dispatcher gets its own store, as two server processes would.
      const second = backend.name === 'postgres' ? openStore({ url: database.url, poolSize: 4 }) : store;
      const a = make();
      const b = new Dispatcher(second, { ...options, leaseMs: 30_000 });
      dispatchers.push(b);
      b.register({
        kind: 't-race',
        schedule: [10],
        async deliver(message) {
          counts.set(message.id, (counts.get(message.id) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (counts.size === total) done();
          return { result: 'delivered' };
        },
      });
      a.start();
      b.start();
      const at = new Date().toISOString();
      await Promise.all(
        Array.from({ length: total / 30 }, (_, batch) =>
          store.transaction((tx) =>
            enqueue(
              tx,
              ...Array.from({ length: 30 }, (_, i) => ({
                kind: 't-race',
                topic: 'x',
                target: 'e',
                eventId: `race-${batch}-${i}`,
                payload: {},
                at,
              })),
            ),
          ),
        ),
      );
      await all;
      await a.stop();
      await b.stop();
      if (second !== store) await second.close();
      assert.equal(counts.size, total);
      assert.deepEqual(
        [...counts.values()].filter((n) => n !== 1),
        [],
      );
    });

    // SQLite keeps no statistics: left to itself it claimed by `outbox_once` (every message of the
    // kinds, 30 days of delivered ones) and counted the backlog by reading the whole table.
    it('claims and counts waiting messages by outbox_due, not by walking the delivered ones', {
      skip: backend.name !== 'sqlite',
    }, async () => {
      const now = new Date().toISOString();
      const plan = async (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
        const { sql, parameters } = query.compile();
        return (
          await store.db.executeQuery<{ detail: string }>(
            CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
          )
        ).rows.map((row) => row.detail);
      };
      const claim = await plan(dueMessages(store.db, { now, until: now, by: 'x', kinds: ['a', 'b'], limit: 10 }));
      assert.ok(
        claim.some((d) => d.includes('USING INDEX outbox_due')),
        claim.join('; '),
      );
      const backlog = await plan(backlogQuery(store.db));
      assert.ok(
        backlog.some((d) => d.includes('USING INDEX outbox_due')),
        backlog.join('; '),
      );
      assert.ok(!backlog.some((d) => d.startsWith('SCAN outbox')), backlog.join('; '));
    });
  });
}
