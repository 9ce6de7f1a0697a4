import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { backends } from './support/backends.ts';
import { spawnServer } from './support/cli.ts';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const tour =
  [...readme.matchAll(/<!-- tour:start -->\s*```sh\n([\s\S]*?)```\s*<!-- tour:end -->/g)].map((m) => m[1]).join('\n') ||
  undefined;
const KEY = 'readme-tour-admin-key-0123456789';

for (const backend of backends) {
  it(`the README's curl tour runs as written [${backend.name}]`, { skip: backend.skip }, async () => {
    assert.ok(tour, 'README has a tour block');
    const db = await backend.freshDatabase();
    const server = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY });
    try {
      const script = `set -euo pipefail\n${tour.replace('http://127.0.0.1:8080', server.url)}`;
      const cwd = mkdtempSync(join(tmpdir(), 'licentia-tour-'));
      const r = spawnSync('bash', ['-c', script], {
        cwd,
        env: { ...process.env, KEY },
        encoding: 'utf8',
        timeout: 60_000,
      });
      rmSync(cwd, { recursive: true, force: true });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const deployed = JSON.parse(r.stdout.slice(0, r.stdout.indexOf('}') + 1));
      assert.equal(deployed.state, 'deployed');
      assert.equal(deployed.quantity, 5);
      assert.match(deployed.activationId, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
      assert.match(r.stdout, /entitlement\.state-changed/);
      assert.match(r.stdout, /entitlement\.created/);
      assert.match(r.stdout, /"added":2/);
      assert.match(r.stdout, /\{"total":2,"unredeemed":2,"redeemed":0,"void":0\}/);
      assert.match(r.stdout, /"id":"NORDIC-0001-XK7QENT","state":"deployed"/);
      assert.match(r.stdout, /\{"valid":true,"code":"VALID"/);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
}
