import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { backends } from './support/backends.ts';
import { runCli, spawnServer } from './support/cli.ts';
import { fetchJwks } from './support/licences.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'licentia-cli-'));
  dirs.push(dir);
  return dir;
}

it('licentia --help lists the commands and the environment', () => {
  const r = runCli(['--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const word of ['serve', 'migrate', 'api-key', 'keys', 'DATABASE_URL', 'LICENTIA_ADMIN_KEY'])
    assert.match(r.stdout, new RegExp(word));
  assert.match(runCli(['api-key', 'create', '--help']).stdout, /--role/);
  const unknown = runCli(['frobnicate']);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown command/);
});

it('serve on a fresh machine: creates ./data/licentia.db, prints an admin key once, and serves the API', async () => {
  const cwd = tempDir();
  const env = { LICENTIA_ADMIN_KEY: '', DATABASE_URL: '' };
  const first = await spawnServer(env, cwd);
  try {
    assert.ok(existsSync(join(cwd, 'data', 'licentia.db')));
    for (let i = 0; i < 100 && !first.output().includes('lic_'); i++) await new Promise((r) => setTimeout(r, 50));
    const key = /First start: an admin API key was created[\s\S]*?\n\s+(lic_\S+)/.exec(first.output())?.[1];
    assert.ok(key, first.output());
    const r = await fetch(`${first.url}/api/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(r.status, 200);
    await fetch(`${first.url}/api/v1/products`, { headers: { authorization: `Bearer ${key}` } });
    const logLines = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    assert.ok(logLines.length > 0);
    assert.ok(!logLines.some((l) => l.includes(key as string)), 'the key never reaches the log');
  } finally {
    assert.equal(await first.stop(), 0);
  }
  const second = await spawnServer(env, cwd);
  try {
    assert.doesNotMatch(second.output(), /First start/);
  } finally {
    await second.stop();
  }
});

it('api-key create prints a working secret; migrate reports an up-to-date database', async () => {
  const cwd = tempDir();
  const env = { DATABASE_URL: `sqlite:${join(cwd, 'x.db')}` };
  const migrated = runCli(['migrate'], { env });
  assert.equal(migrated.status, 0, migrated.stderr);
  assert.match(runCli(['migrate'], { env }).stdout, /up to date/);
  const created = runCli(['api-key', 'create', '--role', 'operator', '--name', 'ci'], { env });
  assert.equal(created.status, 0, created.stderr);
  const secret = created.stdout.trim();
  assert.match(secret, /^lic_/);
  assert.match(created.stderr, /operator key/);
  const bad = runCli(['api-key', 'create', '--role', 'partner'], { env });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /must belong to an account/);
  const server = await spawnServer({ ...env, LICENTIA_ADMIN_KEY: 'an-operator-chosen-admin-key-123456' });
  try {
    assert.equal(
      (await fetch(`${server.url}/api/v1/products`, { headers: { authorization: `Bearer ${secret}` } })).status,
      200,
    );
    assert.equal(
      (
        await fetch(`${server.url}/api/v1/api-keys`, {
          headers: { authorization: 'Bearer an-operator-chosen-admin-key-123456' },
        })
      ).status,
      200,
    );
  } finally {
    await server.stop();
  }
});

it('refuses a LICENTIA_ADMIN_KEY too short to be safe', () => {
  const cwd = tempDir();
  const r = runCli(['serve'], {
    env: { DATABASE_URL: `sqlite:${join(cwd, 'y.db')}`, LICENTIA_ADMIN_KEY: 'short', PORT: '0' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /at least 24 characters/);
});

for (const backend of backends) {
  it(`serve runs the same build with DATABASE_URL on ${backend.name}`, { skip: backend.skip }, async () => {
    const db = await backend.freshDatabase();
    const proc = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: 'an-operator-chosen-admin-key-123456' });
    try {
      const r = await fetch(`${proc.url}/api/v1/accounts`, {
        method: 'POST',
        headers: { authorization: 'Bearer an-operator-chosen-admin-key-123456', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Acme', type: 'customer' }),
      });
      assert.equal(r.status, 201);
    } finally {
      await proc.stop();
      await db.drop();
    }
  });
}

it('keys rotate: a new signing key, the old one still published', async () => {
  const cwd = tempDir();
  const env = {
    DATABASE_URL: `sqlite:${join(cwd, 'k.db')}`,
    LICENTIA_ADMIN_KEY: 'an-operator-chosen-admin-key-123456',
  };
  const first = await spawnServer(env);
  const before = await fetchJwks(first.url);
  await first.stop();
  const rotated = runCli(['keys', 'rotate'], { env });
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(rotated.stdout, /new signing key/);
  const second = await spawnServer(env);
  try {
    const after = await fetchJwks(second.url);
    assert.equal(after.keys.length, before.keys.length + 1);
    assert.ok(before.keys.every((k) => after.keys.some((a) => a.kid === k.kid)));
  } finally {
    await second.stop();
  }
});

it('user create --admin makes the first producer user and prints a one-use sign-in link', async () => {
  const cwd = tempDir();
  const env = {
    DATABASE_URL: `sqlite:${join(cwd, 'u.db')}`,
    LICENTIA_ADMIN_KEY: 'an-operator-chosen-admin-key-123456',
  };
  const server = await spawnServer(env);
  try {
    const made = runCli(['user', 'create', '--admin', 'Ada@Producer.example'], {
      env: { ...env, LICENTIA_PUBLIC_URL: server.url },
    });
    assert.equal(made.status, 0, made.stderr);
    const link = made.stdout.trim();
    assert.ok(link.startsWith(`${server.url}/sign-in/link/`), link);
    assert.match(made.stderr, /created admin user usr_.* \(ada@producer\.example\)/);
    const page = await fetch(link);
    assert.equal(page.status, 200);
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const signIn = await fetch(link, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${token}`,
      redirect: 'manual',
    });
    assert.equal(signIn.status, 303);
    assert.equal(signIn.headers.get('location'), '/portal/profile');
    assert.equal(
      (
        await fetch(link, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: `_csrf=${token}`,
        })
      ).status,
      410,
    );

    const again = runCli(['user', 'create', '--admin', 'ada@producer.example'], { env });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists/);
    const fresh = runCli(['user', 'sign-in-link', 'ADA@producer.example'], { env });
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.notEqual(fresh.stdout.trim().split('/').at(-1), link.split('/').at(-1));
    // Without LICENTIA_PUBLIC_URL the link names the server's HOST and PORT, whatever they are.
    for (const [host, base] of [
      ['0.0.0.0', 'http://localhost:9137'],
      ['::1', 'http://[::1]:9137'],
      ['licences.internal', 'http://licences.internal:9137'],
    ] as const) {
      const onPort = runCli(['user', 'sign-in-link', 'ada@producer.example'], {
        env: { ...env, PORT: '9137', HOST: host },
      });
      assert.equal(onPort.status, 0, onPort.stderr);
      assert.ok(onPort.stdout.startsWith(`${base}/sign-in/link/`), onPort.stdout);
    }
    assert.equal(runCli(['user', 'sign-in-link', 'nobody@producer.example'], { env }).status, 1);
    const withPassword = runCli(
      ['user', 'create', '--email', 'op@producer.example', '--role', 'operator', '--password-stdin'],
      { env, input: 'a long enough password\n' },
    );
    assert.equal(withPassword.status, 0, withPassword.stderr);
    assert.equal(withPassword.stdout, '', 'no link when a password is given');
    assert.notEqual(runCli(['user', 'create', '--email', 'x@producer.example'], { env }).status, 0, 'a role is needed');
  } finally {
    await server.stop();
  }
});
