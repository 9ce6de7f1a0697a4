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

/** Keys and loads still pending, read from outside the server. */
async function pending(backend: Backend, url: string): Promise<{ keys: number; loads: number }> {
  const query = `select (select count(*) from web_register_keys where load_id in (select id from pending_key_loads)) as keys,
    (select count(*) from pending_key_loads) as loads`;
  if (backend.name === 'sqlite') {
    const db = new SqliteDatabase(url.slice('sqlite:'.length), { readonly: true });
    try {
      const row = db.prepare(query).get() as { keys: number; loads: number };
      return { keys: Number(row.keys), loads: Number(row.loads) };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (await client.query(query)).rows[0];
    return { keys: Number(row.keys), loads: Number(row.loads) };
  } finally {
    await client.end();
  }
}

/** Posts a key file; answers how it ended, without throwing when the server dies. */
function postKeys(url: string, lines: string): Promise<string> {
  return new Promise<string>((resolve) => {
    const req = request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(`answered ${res.statusCode} ${body.slice(0, 200)}`));
      },
    );
    req.on('error', () => resolve('connection lost'));
    req.end(lines);
  });
}

/** Waits until the load has committed chunks that are still pending. */
async function untilPending(backend: Backend, url: string, answered: () => boolean): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    assert.ok(!answered(), 'the load answered before any chunk of it was seen pending');
    if ((await pending(backend, url)).keys > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('no chunk of the load was seen pending');
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
      let answer: string | undefined;
      const answered = postKeys(`${server.url}/api/v1/entitlements/${bulk.id}/web-register-keys`, lines).then((a) => {
        answer = a;
        return a;
      });
      await untilPending(backend, db.url, () => answer !== undefined);
      server.child.kill('SIGKILL');
      assert.equal(await answered, 'connection lost', 'the server died before answering');
      await server.stop();
      const left = await pending(backend, db.url);
      assert.equal(left.loads, 1, 'the dead server left its load pending');
      assert.ok(left.keys > 0, 'with chunks of keys written');

      // The next start sweeps the load whose owner is gone.
      server = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY });
      const store = openStore({ url: db.url });
      try {
        const keys = await store.db
          .selectFrom('web_register_keys')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(keys.n), 0);
        assert.deepEqual(await pending(backend, db.url), { keys: 0, loads: 0 });
      } finally {
        await store.close();
      }
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

for (const backend of backends) {
  it(`a server that starts while another one loads keys leaves that load alone [${backend.name}]`, {
    skip: backend.skip,
  }, async () => {
    const db = await backend.freshDatabase();
    const first = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY });
    let second: Awaited<ReturnType<typeof spawnServer>> | undefined;
    try {
      const api = new Api(`${first.url}/api/v1`, KEY);
      const { bulk } = await bulkWithKeys(api, { state: 'draft' });
      const lines = Array.from({ length: 300_000 }, (_, i) => `LIVE-${process.pid}-${i}`).join('\n');
      let answer: string | undefined;
      const answered = postKeys(`${first.url}/api/v1/entitlements/${bulk.id}/web-register-keys`, lines).then((a) => {
        answer = a;
        return a;
      });
      await untilPending(backend, db.url, () => answer !== undefined);
      // Its start-up sweep runs while the first server's load is pending.
      second = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY });
      assert.match(await answered, /^answered 201 /);
      const other = new Api(`${second.url}/api/v1`, KEY);
      assert.equal((await other.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.total, 300_000);
      assert.deepEqual(await pending(backend, db.url), { keys: 0, loads: 0 });
    } finally {
      await second?.stop();
      await first.stop();
      await db.drop();
    }
  });
}
