import assert from 'node:assert/strict';
import { request } from 'node:http';
import { it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/database.ts';
import { backends, type Backend } from '../support/backends.ts';
import { spawnServer } from '../support/cli.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { Api } from '../support/http.ts';

const KEY = 'crash-test-admin-key-0123456789ab';

/** True once the server is inside the load's write transaction. */
async function loadInProgress(backend: Backend, url: string): Promise<boolean> {
  if (backend.name === 'sqlite') {
    const db = new SqliteDatabase(url.slice('sqlite:'.length), { timeout: 0 });
    try {
      db.exec('begin immediate');
      db.exec('rollback');
      return false;
    } catch {
      return true;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query(
      "select count(*)::int as n from pg_stat_activity where state = 'active' and query ilike '%insert into web_register_keys%' and pid <> pg_backend_pid()",
    );
    return r.rows[0].n > 0;
  } finally {
    await client.end();
  }
}

for (const backend of backends) {
  it(`a crash in the middle of a large load leaves no key of it behind [${backend.name}]`, {
    skip: backend.skip,
  }, async () => {
    const db = await backend.freshDatabase();
    let server = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY });
    try {
      const api = new Api(`${server.url}/api/v1`, KEY);
      const { bulk } = await bulkWithKeys(api, { state: 'draft' });
      const lines = Array.from({ length: 400_000 }, (_, i) => `CRASH-${process.pid}-${i}`).join('\n');
      const target = new URL(`${server.url}/api/v1/entitlements/${bulk.id}/web-register-keys`);
      const answered = new Promise<string>((resolve) => {
        const req = request(
          target,
          { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' } },
          (res) => resolve(`answered ${res.statusCode}`),
        );
        req.on('error', () => resolve('connection lost'));
        req.end(lines);
      });
      let killed = false;
      for (let i = 0; i < 3000 && !killed; i++) {
        if (await loadInProgress(backend, db.url)) {
          server.child.kill('SIGKILL');
          killed = true;
        } else {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      assert.ok(killed, 'caught the load in its transaction');
      assert.equal(await answered, 'connection lost', 'the server died before answering');
      await server.stop();

      const store = openStore({ url: db.url });
      try {
        const keys = await store.db
          .selectFrom('web_register_keys')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(keys.n), 0);
      } finally {
        await store.close();
      }
      server = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY });
      const after = new Api(`${server.url}/api/v1`, KEY);
      assert.deepEqual((await after.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
        total: 0,
        unredeemed: 0,
        redeemed: 0,
        void: 0,
      });
      const retry = await after.request('POST', `/entitlements/${bulk.id}/web-register-keys`, {
        raw: lines.slice(0, 1000).split('\n').slice(0, -1).join('\n'),
      });
      assert.equal(retry.status, 201, retry.text);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
}
