import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openStore } from '../../src/store/database.ts';
import { backends } from '../support/backends.ts';
import { spawnServer } from '../support/cli.ts';

const KEY = 'together-test-admin-key-0123456789';

for (const backend of backends) {
  it(`two servers started at once on a new database both start, with one admin key and one signing key [${backend.name}]`, {
    skip: backend.skip,
  }, async () => {
    // Both ways a first start makes an admin key: chosen by LICENTIA_ADMIN_KEY, or generated.
    for (const chosen of [true, false]) {
      const db = await backend.freshDatabase();
      const env = { DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...(chosen && { LICENTIA_ADMIN_KEY: KEY }) };
      const started = await Promise.allSettled([spawnServer(env), spawnServer(env)]);
      try {
        for (const result of started)
          assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
        const store = openStore({ url: db.url });
        try {
          const admins = await store.db
            .selectFrom('api_keys')
            .select('prefix')
            .where('role', '=', 'admin')
            .where('revoked_at', 'is', null)
            .execute();
          assert.equal(admins.length, 1, `admin keys: ${JSON.stringify(admins)}`);
          const signing = await store.db
            .selectFrom('signing_keys')
            .select('kid')
            .where('retired_at', 'is', null)
            .execute();
          assert.equal(signing.length, 1, `signing keys: ${JSON.stringify(signing)}`);
        } finally {
          await store.close();
        }
        const printed = started.filter(
          (r) => r.status === 'fulfilled' && r.value.output().includes('an admin API key was created'),
        );
        assert.equal(printed.length, chosen ? 0 : 1);
      } finally {
        for (const result of started) if (result.status === 'fulfilled') await result.value.stop();
        await db.drop();
      }
    }
  });
}
