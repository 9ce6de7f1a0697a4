import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.ts';
import { assertProblem } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('health', (server) => {
  it('/healthz and /readyz answer 200 without a key', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const r = await fetch(`${server().url}${path}`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'ok' });
    }
  });

  it('/readyz answers 503 with a reason while a migration this version expects has not run', async () => {
    const store = openStore({ url: server().databaseUrl });
    try {
      const last = await sql<{
        name: string;
        timestamp: string;
      }>`select name, timestamp from kysely_migration order by name desc limit 1`.execute(store.db);
      const row = last.rows[0];
      assert.ok(row);
      await sql`delete from kysely_migration where name = ${row.name}`.execute(store.db);
      try {
        const r = await fetch(`${server().url}/readyz`);
        const body = await r.json();
        assertProblem({ status: r.status, headers: r.headers, body, text: JSON.stringify(body) }, 503, 'UNAVAILABLE');
        assert.equal(body.reason, 'migrations-pending');
        assert.match(body.detail, new RegExp(row.name));
        assert.equal((await fetch(`${server().url}/healthz`)).status, 200);
      } finally {
        await sql`insert into kysely_migration (name, timestamp) values (${row.name}, ${row.timestamp})`.execute(
          store.db,
        );
      }
      assert.equal((await fetch(`${server().url}/readyz`)).status, 200);
    } finally {
      await store.close();
    }
  });

  it('/healthz and /readyz take no body and ignore a bad key', async () => {
    const r = await fetch(`${server().url}/readyz`, { method: 'POST' });
    assert.equal(r.status, 404);
  });
});
