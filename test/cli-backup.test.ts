import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { activatable, fingerprint } from './support/activation-fixtures.ts';
import { type Backend, type FreshDatabase, backends } from './support/backends.ts';
import { runCli, runCliAsync, spawnServer } from './support/cli.ts';
import { Api } from './support/http.ts';
import { queryOnce } from './support/private-postgres.ts';

const KEY = 'backup-test-admin-key-0123456789ab';

/** A database to restore into: a new SQLite file, or a new PostgreSQL database with the same schema name. */
async function restoreTarget(backend: Backend, original: string, dir: string): Promise<FreshDatabase> {
  if (backend.name === 'sqlite') return { url: `sqlite:${join(dir, 'restored', 'licentia.db')}`, drop: async () => {} };
  const admin = process.env.TEST_DATABASE_URL as string;
  const name = `restore_${randomBytes(4).toString('hex')}`;
  await queryOnce(admin, `create database ${name}`);
  const url = new URL(original);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => void (await queryOnce(admin, `drop database ${name} with (force)`)) };
}

for (const backend of backends) {
  it(`backup while activations run, restore into a new database: licences issued before still validate [${backend.name}]`, {
    skip: backend.skip,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'licentia-backup-'));
    const db = await backend.freshDatabase();
    // The signing key is sealed under a key-encryption key that a backup deliberately does not
    // hold (docs/security.md): the restored server is given the same one, as an operator would.
    const secret = { LICENTIA_SECRET: randomBytes(32).toString('base64url') };
    let server = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY, LOG_LEVEL: 'warn', ...secret });
    let target: FreshDatabase | undefined;
    try {
      const api = new Api(`${server.url}/api/v1`, KEY);
      const device = api.as(null);
      const { code } = await activatable(api, { quantity: 100_000 });
      const fp = fingerprint();
      const issued = await device.post('/activations', { code, fingerprint: fp });
      assert.equal(issued.status, 201, issued.text);

      let running = true;
      let during = 0;
      const load = (async () => {
        while (running) {
          const r = await device.post('/activations', { code, fingerprint: fingerprint() });
          assert.equal(r.status, 201, r.text);
          during++;
        }
      })();
      const file = join(dir, 'licentia.backup');
      const backup = await runCliAsync(['backup', '--to', file], { env: { DATABASE_URL: db.url } });
      running = false;
      await load;
      assert.equal(backup.status, 0, backup.stderr);
      assert.ok(during > 0, 'activations ran during the backup');
      assert.equal(runCli(['backup', '--to', file], { env: { DATABASE_URL: db.url } }).status, 1, 'no overwrite');
      await server.stop();

      target = await restoreTarget(backend, db.url, dir);
      const restored = runCli(['restore', '--from', file], { env: { DATABASE_URL: target.url } });
      assert.equal(restored.status, 0, restored.stderr);
      server = await spawnServer({ DATABASE_URL: target.url, LICENTIA_ADMIN_KEY: KEY, LOG_LEVEL: 'warn', ...secret });
      const after = new Api(`${server.url}/api/v1`, null);
      const byToken = await after.post('/licenses/validate', { token: issued.body.license.token });
      assert.equal(byToken.body.code, 'VALID', byToken.text);
      assert.equal((await after.post('/licenses/validate', { code, fingerprint: fp })).body.code, 'VALID');
      const again = runCli(['restore', '--from', file], { env: { DATABASE_URL: target.url } });
      assert.notEqual(again.status, 0, 'a restore never overwrites a database');
    } finally {
      await server.stop();
      await target?.drop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

it('restore of a missing file, and backup of an in-memory database, fail with a clear message', () => {
  const missing = runCli(['restore', '--from', '/nonexistent/backup'], { env: { DATABASE_URL: 'sqlite:/tmp/x.db' } });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no backup at/);
  const memory = runCli(['backup', '--to', '/tmp/never'], { env: { DATABASE_URL: 'sqlite::memory:' } });
  assert.equal(memory.status, 1);
  assert.match(memory.stderr, /in-memory/);
});
