import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activatable, fingerprint } from './support/activation-fixtures.ts';
import { type FreshDatabase, backends } from './support/backends.ts';
import { type ServerProcess, spawnServer } from './support/cli.ts';
import { type Balancer, startHaproxy } from './support/haproxy.ts';
import { Api } from './support/http.ts';

const KEY = 'cluster-test-admin-key-0123456789ab';
const postgres = backends.find((b) => b.name === 'postgres');

describe('three servers on one PostgreSQL behind HAProxy', { skip: postgres?.skip ?? 'no PostgreSQL' }, () => {
  let database: FreshDatabase;
  let servers: ServerProcess[] = [];
  let balancer: Balancer;
  let api: Api;

  before(async () => {
    database = await postgres!.freshDatabase();
    const env = {
      DATABASE_URL: database.url,
      LICENTIA_ADMIN_KEY: KEY,
      LOG_LEVEL: 'warn',
      LICENTIA_TRUST_PROXY: 'true',
      LICENTIA_PUBLIC_REQUESTS_PER_MINUTE: '1000000',
    };
    servers = await Promise.all([1, 2, 3].map(() => spawnServer(env)));
    balancer = await startHaproxy(servers.map((s) => s.url));
    api = new Api(`${balancer.url}/api/v1`, KEY);
  });
  after(async () => {
    await balancer?.stop();
    for (const server of servers) await server.stop();
    await database?.drop();
  });

  it('an activation race through the balancer: exactly the count succeeds', async () => {
    const { code } = await activatable(api, { quantity: 25 });
    const device = api.as(null);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => device.post('/activations', { code, fingerprint: fingerprint() })),
    );
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 25, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 409).length, 75);
  });

  it('one server killed mid-storm: no acknowledged activation is lost, the balancer routes around it', async () => {
    const { code } = await activatable(api, { quantity: 100_000 });
    const device = api.as(null);
    const acknowledged: string[] = [];
    const refused: number[] = [];
    let running = true;
    const client = async () => {
      while (running) {
        const fp = fingerprint();
        const r = await device.post('/activations', { code, fingerprint: fp }).catch(() => undefined);
        if (r?.status === 201) acknowledged.push(fp);
        else refused.push(r?.status ?? 0);
      }
    };
    const storm = Array.from({ length: 30 }, client);
    while (acknowledged.length < 100) await new Promise((resolve) => setTimeout(resolve, 20));
    servers[0]!.child.kill('SIGKILL');
    const atKill = acknowledged.length;
    while (acknowledged.length < atKill + 150) await new Promise((resolve) => setTimeout(resolve, 20));
    running = false;
    await Promise.all(storm);

    // A request in flight at the killed server may fail (a 502, or its connection cut: 0), and is
    // not acknowledged; nothing else fails.
    assert.ok(
      refused.every((s) => s === 0 || s === 502 || s === 503),
      `refusals: ${JSON.stringify(refused)}`,
    );
    assert.ok(refused.length <= 30, `at most the requests in flight failed: ${refused.length}`);
    for (const fp of acknowledged) {
      const r = await device.post('/licenses/validate', { code, fingerprint: fp });
      assert.equal(r.body.code, 'VALID', `acknowledged activation ${fp}: ${r.text}`);
    }
  });
});
