import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Config, defaultConfig } from '../../src/config.ts';
import { windowStartOf } from '../../src/domain/sliding-window.ts';
import { type RateCounters, createRateCounters } from '../../src/services/limits/rate-counters.ts';
import { type Store, openStore } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { type FreshDatabase, backends } from '../support/backends.ts';
import { dropRedisPrefix, redisSkip, redisUrl, testRedisPrefix } from '../support/redis.ts';

const postgres = backends.find((b) => b.name === 'postgres');
const redisSkipped = await redisSkip();
const W = 60_000;
const MAX = 10;

const sharedBackends = [
  { name: 'postgres' as const, skip: postgres?.skip ?? 'no PostgreSQL' },
  { name: 'redis' as const, skip: postgres?.skip || redisSkipped },
];

for (const backend of sharedBackends) {
  describe(`limit counters shared through ${backend.name}`, { skip: backend.skip }, () => {
    let database: FreshDatabase;
    let store: Store;
    let config: Config;
    const prefix = testRedisPrefix();
    const servers: RateCounters[] = [];
    /** Two servers' counters over one store, as two processes would have them. */
    const twoServers = () => {
      const pair = [createRateCounters(store, config), createRateCounters(store, config)] as const;
      servers.push(...pair);
      return pair;
    };
    before(async () => {
      database = await postgres!.freshDatabase();
      store = openStore({ url: database.url });
      await migrateToLatest(store);
      config = {
        ...defaultConfig,
        databaseUrl: database.url,
        limitCounters: backend.name,
        redisUrl,
        redisKeyPrefix: prefix,
      };
    });
    after(async () => {
      for (const counters of servers) await counters.close();
      await store?.close();
      await database?.drop();
      if (backend.name === 'redis') await dropRedisPrefix(prefix);
    });

    it('a burst split between two servers and across a window edge is counted whole', async () => {
      const [one, two] = twoServers();
      assert.equal(one.backend, backend.name);
      const a = one.counter('test-burst', MAX, W);
      const b = two.counter('test-burst', MAX, W);
      // The next window edge, so that no count is older than the store keeps.
      const edge = windowStartOf(Date.now(), W) + W;
      for (let i = 0; i < 6; i++) a.add('198.51.100.7', edge - 1000 + i * 100);
      await one.flush();
      for (let i = 0; i < 3; i++) b.add('198.51.100.7', edge + 200 + i * 100);
      await two.flush();
      assert.equal(b.retryAfter('198.51.100.7', edge + 600), 0, 'nine of ten: one more may come');
      b.add('198.51.100.7', edge + 600);
      await two.flush();
      const wait = b.retryAfter('198.51.100.7', edge + 700);
      assert.ok(wait > 0, 'ten within a second, across servers and the edge: refused');
      // The previous window's six must weigh less than 6 − (10 − 1 − 4) = 1 more: a sixth of the window.
      assert.equal(wait, Math.ceil((W / 6 - 700) / 1000));
      assert.equal(b.retryAfter('198.51.100.8', edge + 700), 0, 'another address is not affected');
      assert.equal(two.counter('other-family', MAX, W).retryAfter('198.51.100.7', edge + 700), 0);

      a.add('198.51.100.7', edge + 800);
      await one.flush();
      assert.ok(a.retryAfter('198.51.100.7', edge + 900) > 0, 'the first server learns the total when it counts');
    });

    it('a server whose clock is a window behind adds to the previous window, not to a new one', async () => {
      const [ahead, behind] = twoServers();
      const a = ahead.counter('test-skew', MAX, W);
      const b = behind.counter('test-skew', MAX, W);
      const edge = windowStartOf(Date.now(), W) + W;
      for (let i = 0; i < 5; i++) a.add('203.0.113.9', edge + 100);
      await ahead.flush();
      for (let i = 0; i < 5; i++) b.add('203.0.113.9', edge - 100);
      await behind.flush();
      a.add('203.0.113.9', edge + 200);
      await ahead.flush();
      // Five in the previous window (almost whole) and six in this one.
      assert.ok(a.retryAfter('203.0.113.9', edge + 300) > 0);
      assert.ok(b.retryAfter('203.0.113.9', edge + 300) > 0, 'the server behind took the later window');
    });
  });
}
