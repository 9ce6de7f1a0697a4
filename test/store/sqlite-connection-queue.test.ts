import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import BetterSqlite from 'better-sqlite3';
import { openStore } from '../../src/store/database.ts';
import { FifoLock } from '../../src/store/fifo-lock.ts';

describe('the SQLite connection queue', () => {
  it('lets waiters through one at a time, in the order they asked', async () => {
    const lock = new FifoLock();
    const order: number[] = [];
    let inside = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await lock.acquire();
        inside += 1;
        assert.equal(inside, 1);
        await Promise.resolve();
        order.push(i);
        inside -= 1;
        lock.release();
      }),
    );
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('runs concurrent transactions one after the other, and a failed one rolls back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'licentia-queue-'));
    const store = openStore({ url: `sqlite:${join(dir, 'db.sqlite')}` });
    try {
      await sql`create table t (n integer not null)`.execute(store.db);
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store
            .transaction(async (tx) => {
              await sql`insert into t (n) values (${i})`.execute(tx);
              if (i % 3 === 0) throw new Error('refused');
            })
            .catch(() => undefined),
        ),
      );
      const rows = await sql<{ n: number }>`select n from t order by n`.execute(store.db);
      assert.deepEqual(
        rows.rows.map((r) => r.n),
        Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 0),
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the write lock at BEGIN, so another connection to the file waits there instead of failing at its first write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'licentia-queue-'));
    const path = join(dir, 'db.sqlite');
    const store = openStore({ url: `sqlite:${path}` });
    const other = new BetterSqlite(path);
    try {
      await sql`create table t (n integer not null)`.execute(store.db);
      other.pragma('busy_timeout = 0');
      await store.transaction(async () => {
        assert.throws(() => other.exec('begin immediate'), { code: 'SQLITE_BUSY' });
      });
      other.exec('begin immediate; commit');
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
