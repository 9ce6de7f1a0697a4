import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { backends } from '../support/backends.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { spawnServer } from '../support/cli.ts';
import { Api } from '../support/http.ts';

const KEY = 'spool-test-admin-key-0123456789abc';
const sqlite = backends.find((b) => b.name === 'sqlite');

it('at start, the upload spools of server processes that no longer run are removed, and others kept', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'licentia-spool-test-'));
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  }).stdout;
  const abandoned = join(tmp, `licentia-upload-p${dead}-aaaaaa`);
  const live = join(tmp, `licentia-upload-p${process.pid}-bbbbbb`);
  const unrelated = join(tmp, 'something-else');
  for (const dir of [abandoned, live, unrelated]) {
    mkdirSync(dir);
    writeFileSync(join(dir, 'body.txt'), 'KEY-1\n'.repeat(1000));
  }
  const db = join(tmp, 'db', 'licentia.db');
  const server = await spawnServer({ DATABASE_URL: `sqlite:${db}`, LICENTIA_ADMIN_KEY: KEY, TMPDIR: tmp });
  try {
    assert.equal(existsSync(abandoned), false, 'the dead process spool is gone');
    assert.equal(existsSync(live), true, 'a running process keeps its spool');
    assert.equal(existsSync(unrelated), true);
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

it('SQLite: after a big load the write-ahead log is truncated', { skip: sqlite?.skip }, async () => {
  const fresh = await sqlite!.freshDatabase();
  const server = await spawnServer({ DATABASE_URL: fresh.url, LICENTIA_ADMIN_KEY: KEY, LOG_LEVEL: 'warn' });
  try {
    const api = new Api(`${server.url}/api/v1`, KEY);
    const { bulk } = await bulkWithKeys(api, { state: 'draft' });
    const loaded = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 60_000 });
    assert.equal(loaded.status, 201, loaded.text);
    const wal = `${fresh.url.slice('sqlite:'.length)}-wal`;
    assert.equal(statSync(wal).size, 0, 'the log was checkpointed and truncated');
  } finally {
    await server.stop();
    await fresh.drop();
  }
});
