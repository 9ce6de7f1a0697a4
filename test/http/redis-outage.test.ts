import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Config, defaultConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { type FreshDatabase, backends } from '../support/backends.ts';
import { Api } from '../support/http.ts';
import { type PrivateRedis, redisServerUnavailable, startPrivateRedis } from '../support/redis.ts';
import { ADMIN_KEY } from '../support/server.ts';

const postgres = backends.find((b) => b.name === 'postgres');
const BUDGET = 5;

async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('losing the Redis of the limit counters', {
  skip: postgres?.skip || redisServerUnavailable() || false,
}, () => {
  let database: FreshDatabase;
  let redis: PrivateRedis;
  let config: Config;
  const servers: RunningServer[] = [];
  before(async () => {
    database = await postgres!.freshDatabase();
    redis = await startPrivateRedis();
    config = {
      ...defaultConfig,
      port: 0,
      databaseUrl: database.url,
      adminKey: ADMIN_KEY,
      failedAttemptsPerMinute: BUDGET,
      redisUrl: redis.url,
    };
    servers.push(await startServer(config, false));
  });
  after(async () => {
    for (const server of servers) await server.close();
    await redis?.stop();
    await database?.drop();
  });

  it('each server then holds the budget on its own counts, answers no 5xx, and shares them once Redis is back', async () => {
    const [server] = servers;
    const api = new Api(`${server!.url}/api/v1`, ADMIN_KEY);
    const device = api.as(null);
    const guess = (i: number) => device.post('/activations', { code: `NOPE-${i}-XXXX-YYYY`, fingerprint: 'fp' });
    assert.equal(server!.ctx.rateCounters.backend, 'redis', 'REDIS_URL chooses Redis');
    const { code } = await activatable(api, { quantity: 10 });

    for (let i = 0; i < 2; i++) assert.equal((await guess(i)).status, 404);
    await server!.ctx.rateCounters.flush();
    await redis.stop();

    for (let i = 2; i < BUDGET; i++) assert.equal((await guess(i)).status, 404);
    const refused = await guess(BUDGET);
    assert.equal(refused.status, 429, 'the budget holds on this server while Redis is away');
    const activated = await device.post('/activations', { code, fingerprint: fingerprint() });
    assert.equal(activated.status, 201, 'real activations go on');
    await until(() => server!.ctx.rateCounters.unsharedForMs() > 0, 'the failure to share to show');
    const gauge = await server!.metrics.registry.getSingleMetricAsString('licentia_limit_counters_unshared_seconds');
    const unshared = Number(/\{backend="redis"\} (\S+)/.exec(gauge)?.[1]);
    assert.ok(unshared > 0, `the metric shows it: ${gauge}`);

    await redis.start();
    await until(() => server!.ctx.rateCounters.unsharedForMs() === 0, 'the counts to be shared again');

    // The restarted Redis (no persistence) lost the two counts shared before the outage, but has
    // the three made while it was away. A server that has seen none of it learns the total with
    // its first count: two more guesses, and it refuses.
    const other = await startServer(config, false);
    servers.push(other);
    const elsewhere = new Api(`${other.url}/api/v1`, null);
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET; i++) {
      statuses.push((await elsewhere.post('/activations', { code: `NOPE-X${i}-XXXX-YYYY`, fingerprint: 'fp' })).status);
      await other.ctx.rateCounters.flush();
    }
    assert.deepEqual(statuses, [404, 404, 429, 429, 429], 'the counts made while Redis was away reached it');
  });
});
