import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { backends } from '../support/backends.ts';
import { type ServerProcess, spawnServer } from '../support/cli.ts';
import { Api } from '../support/http.ts';
import {
  type PrivatePostgres,
  privatePostgresUnavailable,
  queryOnce,
  startPrivatePostgres,
} from '../support/private-postgres.ts';

const KEY = 'outage-test-admin-key-0123456789ab';
const postgresSkip = backends.find((b) => b.name === 'postgres')?.skip ?? 'no PostgreSQL backend';

/** Connections this server holds for LISTEN, as PostgreSQL sees them. */
async function listenConnections(postgres: PrivatePostgres): Promise<number> {
  const rows = await queryOnce<{ n: number }>(
    postgres.url,
    "select count(*)::int as n from pg_stat_activity where application_name = 'licentia-listen'",
  );
  return rows[0]?.n ?? 0;
}

async function until(condition: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function assertUnavailable(r: { status: number; headers: Headers; body: unknown }): void {
  assert.equal(r.status, 503, JSON.stringify(r.body));
  assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
  assert.equal((r.body as { code: string }).code, 'UNAVAILABLE');
}

describe('losing PostgreSQL', { skip: postgresSkip || privatePostgresUnavailable() }, () => {
  let postgres: PrivatePostgres;
  let server: ServerProcess;
  let api: Api;
  let device: Api;
  let code: string;

  before(async () => {
    postgres = await startPrivatePostgres();
    server = await spawnServer({
      DATABASE_URL: postgres.url,
      LICENTIA_ADMIN_KEY: KEY,
      LOG_LEVEL: 'warn',
      LICENTIA_PUBLIC_REQUESTS_PER_MINUTE: '1000000',
    });
    api = new Api(`${server.url}/api/v1`, KEY);
    device = api.as(null);
    ({ code } = await activatable(api, { quantity: 1_000_000 }));
  });
  after(async () => {
    await server?.stop();
    await postgres?.destroy();
  });

  it('while idle: the server stays up, answers 503 problems, and recovers with one LISTEN connection', async () => {
    assert.equal(await listenConnections(postgres), 1);
    await postgres.crash();
    // Long enough for a reconnect loop that doubles its attempts to have multiplied them.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(server.child.exitCode, null, server.output());
    assertUnavailable(await device.post('/activations', { code, fingerprint: fingerprint() }));
    assertUnavailable(await api.get('/products'));
    const readiness = await fetch(`${server.url}/readyz`);
    const problem = await readiness.json();
    assert.equal(readiness.status, 503);
    assert.equal(problem.reason, 'database-unreachable');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

    await postgres.start();
    await until(
      async () => (await device.post('/activations', { code, fingerprint: fingerprint() })).status === 201,
      'recovery',
    );
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    await until(async () => (await listenConnections(postgres)) === 1, 'the LISTEN connection back');
    // Any retry that was still pending would have connected by now.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await listenConnections(postgres), 1);
    assert.equal(server.child.exitCode, null, server.output());
  });

  it('under an activation storm: every answer is a success or a 503 problem, and it recovers', async () => {
    let running = true;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const client = async () => {
      while (running) {
        try {
          const r = await device.post('/activations', { code, fingerprint: fingerprint() });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 503) assertUnavailable(r);
          else if (r.status !== 201) failures.push(`${r.status} ${r.text}`);
        } catch (error) {
          failures.push(String(error));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const storm = Array.from({ length: 40 }, client);
    await until(async () => (statuses.get(201) ?? 0) > 100, 'the storm to get going');
    await postgres.crash();
    await until(async () => (statuses.get(503) ?? 0) > 50, 'refusals while PostgreSQL is down');
    assert.equal(server.child.exitCode, null, server.output());
    await postgres.start();
    const before = statuses.get(201) ?? 0;
    await until(async () => (statuses.get(201) ?? 0) > before + 100, 'activations after the restart');
    running = false;
    await Promise.all(storm);

    assert.deepEqual(failures, [], server.output());
    assert.equal(server.child.exitCode, null, server.output());
    await until(async () => (await listenConnections(postgres)) === 1, 'the LISTEN connection back');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok((await listenConnections(postgres)) <= 1);
  });
});
