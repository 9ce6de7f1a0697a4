import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Config, defaultConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { type FreshDatabase, backends } from '../support/backends.ts';
import { ASKS_PER_CLIENT } from '../../src/services/users/request-password-reset.ts';
import { Api } from '../support/http.ts';
import { PortalClient } from '../support/portal-client.ts';
import { dropRedisPrefix, redisSkip, redisUrl, testRedisPrefix } from '../support/redis.ts';
import { ADMIN_KEY } from '../support/server.ts';

const postgres = backends.find((b) => b.name === 'postgres');
const redisSkipped = await redisSkip();
const BUDGET = 30;

for (const counters of [
  { name: 'postgres' as const, skip: postgres?.skip ?? 'no PostgreSQL' },
  { name: 'redis' as const, skip: postgres?.skip || redisSkipped },
])
  describe(`limits shared by three servers on one PostgreSQL, counted in ${counters.name}`, {
    skip: counters.skip,
  }, () => {
    let database: FreshDatabase;
    const servers: RunningServer[] = [];
    const prefix = testRedisPrefix();
    before(async () => {
      database = await postgres!.freshDatabase();
      const config: Config = {
        ...defaultConfig,
        port: 0,
        databaseUrl: database.url,
        adminKey: ADMIN_KEY,
        failedAttemptsPerMinute: BUDGET,
        limitCounters: counters.name,
        redisUrl: counters.name === 'redis' ? redisUrl : undefined,
        redisKeyPrefix: prefix,
      };
      for (const started of await Promise.all([1, 2, 3].map(() => startServer(config, false)))) servers.push(started);
    });
    after(async () => {
      for (const server of servers) await server.close();
      await database?.drop();
      if (counters.name === 'redis') await dropRedisPrefix(prefix);
    });

    it('the failed-guess budget of one address holds across them within 10 %', async () => {
      const devices = servers.map((s) => new Api(`${s.url}/api/v1`, null));
      let answered = 0;
      const refused = new Set<number>();
      for (let i = 0; refused.size < devices.length && i < BUDGET * devices.length + 10; i++) {
        const which = i % devices.length;
        const r = await devices[which]!.post('/activations', { code: `NOPE-${i}-XXXX-YYYY`, fingerprint: 'fp' });
        if (r.status === 404) answered++;
        else if (r.status === 429) refused.add(which);
        else assert.fail(`${r.status} ${r.text}`);
      }
      for (const server of servers) assert.equal(server.ctx.rateCounters.backend, counters.name);
      assert.equal(refused.size, 3, 'every server refuses in the end');
      assert.ok(answered >= BUDGET, `${answered} guesses answered`);
      assert.ok(answered <= BUDGET * 1.1, `${answered} guesses answered, more than the budget ${BUDGET} + 10 %`);
    });

    it('the forgot-password asks of one client hold across them: at most one more per other server', async () => {
      const people = servers.map((s) => new PortalClient(s.url));
      for (const person of people) await person.get('/sign-in/forgot');
      let answered = 0;
      const refused = new Set<number>();
      for (let i = 0; refused.size < people.length && i < ASKS_PER_CLIENT * people.length + 10; i++) {
        const which = i % people.length;
        const r = await people[which]!.post('/sign-in/forgot', { email: `nobody${i}@elsewhere.example` });
        if (r.status === 200) answered++;
        else if (r.status === 429) refused.add(which);
        else assert.fail(`${r.status} ${r.html}`);
      }
      assert.equal(refused.size, 3, 'every server refuses in the end');
      assert.ok(answered >= ASKS_PER_CLIENT, `${answered} asks answered`);
      // A server learns of the others' counts when it adds its own (rate-counters.ts): B + N - 1.
      assert.ok(answered <= ASKS_PER_CLIENT + people.length - 1, `${answered} asks answered`);
    });
  });
