import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import BetterSqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.ts';

/** SQLite's group commit (src/store/group-commit.ts), watched from a second connection to the file. */
describe('SQLite group commit', () => {
  let dir: string;
  let store: Store;
  let other: BetterSqlite.Database;
  const committedRows = () => other.prepare('select n from t order by n').pluck().all() as number[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'licentia-group-commit-'));
    store = openStore({ url: `sqlite:${join(dir, 'db.sqlite')}` });
    await sql`create table t (n integer primary key)`.execute(store.db);
    await sql`create table parent (id integer primary key)`.execute(store.db);
    await sql`create table child (parent_id integer not null references parent (id) deferrable initially deferred)`.execute(
      store.db,
    );
    other = new BetterSqlite(join(dir, 'db.sqlite'), { readonly: true });
  });

  afterEach(async () => {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs transactions that arrive together in one commit, and none returns before it is committed', async () => {
    const seenByOthers: number[][] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store
          .transaction(async (tx) => {
            await sql`insert into t (n) values (${i})`.execute(tx);
            // What another connection sees now: the batch's earlier members are not committed yet.
            seenByOthers.push(committedRows());
            return i;
          })
          .then((i) => {
            assert.ok(committedRows().includes(i), `transaction ${i} returned before its commit`);
            return i;
          }),
      ),
    );
    assert.deepEqual(results, [...Array(10).keys()]);
    assert.deepEqual(
      seenByOthers,
      Array.from({ length: 10 }, () => []),
      'all ten ran in one open transaction',
    );
    assert.deepEqual(committedRows(), [...Array(10).keys()]);
  });

  it('rolls back only the failed transaction of a batch', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 9 }, (_, i) =>
        store.transaction(async (tx) => {
          await sql`insert into t (n) values (${i})`.execute(tx);
          // A statement that fails after the member's own write, and a second write of the same key.
          if (i === 4) await sql`insert into t (n) values (${0})`.execute(tx);
          if (i % 3 === 2) throw new Error(`refused ${i}`);
        }),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled', 'rejected'],
    );
    assert.deepEqual(committedRows(), [0, 1, 3, 6, 7]);
  });

  it('a member sees what the members before it wrote, so conditional updates still count exactly', async () => {
    await sql`insert into t (n) values (0)`.execute(store.db);
    const taken = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (tx) => {
          const result = await sql`update t set n = n + 1 where n < 5`.execute(tx);
          return Number(result.numAffectedRows);
        }),
      ),
    );
    assert.equal(
      taken.reduce((a, b) => a + b, 0),
      5,
    );
    assert.deepEqual(committedRows(), [5]);
  });

  it('queries outside transactions wait for the batch to commit, so they never read uncommitted rows', async () => {
    let read: Promise<{ count: number; committedThen: number[] }> | undefined;
    await store.transaction(async (tx) => {
      await sql`insert into t (n) values (1)`.execute(tx);
      // Asked once this work is done and before the batch commits (that waits for setImmediate).
      read = Promise.resolve().then(async () => {
        const rows = await sql<{ c: number }>`select count(*) as c from t`.execute(store.db);
        return { count: Number(rows.rows[0]?.c), committedThen: committedRows() };
      });
    });
    assert.deepEqual(await read, { count: 1, committedThen: [1] });
  });

  it('when the commit fails, every transaction of the batch fails and none of it is kept', async () => {
    await sql`insert into parent (id) values (1)`.execute(store.db);
    const outcomes = await Promise.allSettled([
      store.transaction(async (tx) => {
        await sql`insert into t (n) values (1)`.execute(tx);
      }),
      // Deferred: the missing parent is found only at COMMIT, which then fails for the batch.
      store.transaction(async (tx) => {
        await sql`insert into child (parent_id) values (2)`.execute(tx);
      }),
      store.transaction(async (tx) => {
        await sql`insert into t (n) values (3)`.execute(tx);
      }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : o.status)),
      ['SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_CONSTRAINT_FOREIGNKEY'],
    );
    assert.deepEqual(committedRows(), []);
    // The store goes on: the next transactions commit.
    await Promise.all([1, 2].map((n) => store.transaction((tx) => sql`insert into t (n) values (${n})`.execute(tx))));
    assert.deepEqual(committedRows(), [1, 2]);
  });

  it('when SQLite gives up the whole transaction, the members before fail too', async () => {
    const outcomes = await Promise.allSettled([
      store.transaction(async (tx) => {
        await sql`insert into t (n) values (1)`.execute(tx);
      }),
      store.transaction(async () => {
        // What an I/O error or a full disk does to the transaction, done by hand.
        store.sqlite?.exec('rollback');
        throw new Error('disk I/O error');
      }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status)),
      ['disk I/O error', 'disk I/O error'],
    );
    await store.transaction((tx) => sql`insert into t (n) values (2)`.execute(tx));
    assert.deepEqual(committedRows(), [2]);
  });
});
