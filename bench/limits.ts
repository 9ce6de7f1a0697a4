/**
 * npm run bench:limits [-- --seconds 6 --rounds 2]
 *
 * Activation throughput of one server on PostgreSQL with its limit counters in memory (limits not
 * shared: the baseline), in PostgreSQL's `limit_counters` (the default there) and in Redis
 * (REDIS_URL, default redis://127.0.0.1:6379), in the same run, interleaved round by round so that
 * the load of a shared machine falls on all three alike; the median of the rounds and the ratio
 * to the baseline. Requests come from 1,000 client addresses (X-Forwarded-For), so that the public
 * ceiling counts 1,000 keys, as with real devices.
 */
import { randomBytes } from 'node:crypto';
import { defaultConfig } from '../src/config.ts';
import { createRateCounters } from '../src/services/limits/rate-counters.ts';
import { openStore } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import {
  Api,
  activationRun,
  arg,
  benchBackends,
  deployedLineItems,
  loadAverage,
  machine,
  median,
  spawnServer,
} from './support.ts';

const SECONDS = arg('seconds', 6);
const ROUNDS = arg('rounds', 2);
const CONNECTIONS = 50;
const KEY = 'bench-admin-key-0123456789abcdef';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const postgres = benchBackends().find((b) => b.name === 'postgres');
if (!postgres) {
  console.log('bench:limits needs PostgreSQL: TEST_DATABASE_URL=postgres://…');
  process.exit(1);
}
console.log(
  `bench:limits — ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds — ${machine()}, load ${loadAverage()}\n`,
);

/** The rate counters of `backend` on a fresh, migrated database, for `measure`; closed and dropped after. */
async function withCounters<T>(
  backend: 'memory' | 'postgres' | 'redis',
  measure: (counters: ReturnType<typeof createRateCounters>) => Promise<T>,
): Promise<T> {
  const db = await postgres!.freshDatabase();
  const store = openStore({ url: db.url, poolSize: 2 });
  try {
    await migrateToLatest(store);
    const counters = createRateCounters(store, {
      ...defaultConfig,
      databaseUrl: db.url,
      limitCounters: backend,
      redisUrl: REDIS_URL,
      redisKeyPrefix: `licentia-bench:${randomBytes(4).toString('hex')}:`,
    });
    try {
      return await measure(counters);
    } finally {
      await counters.close();
    }
  } finally {
    await store.close();
    await db.drop();
  }
}

/**
 * What one flush costs, in-process: the wall time of sharing K keys' counts (one upsert statement,
 * or one Redis pipeline) and this process's CPU for it. A server flushes at most every 200 ms for
 * the public ceiling (at once for failed guesses), outside any request.
 */
async function flushCost(backend: 'postgres' | 'redis'): Promise<string> {
  return withCounters(backend, async (counters) => {
    const counter = counters.counter('public-requests', 1_000_000);
    const parts: string[] = [];
    for (const keys of [1, 100, 1000]) {
      const times: number[] = [];
      let cpuUs = 0;
      for (let i = 0; i < 20; i++) {
        for (let k = 0; k < keys; k++) counter.add(`10.0.${k >> 8}.${k & 255}`);
        const cpu = process.cpuUsage();
        const started = performance.now();
        await counters.flush();
        times.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        cpuUs += used.user + used.system;
      }
      parts.push(`${keys} key${keys > 1 ? 's' : ''} ${median(times).toFixed(2)} ms (CPU ${Math.round(cpuUs / 20)} us)`);
    }
    return `one flush through ${backend}, median of 20: ${parts.join(', ')}`;
  });
}
/**
 * This process's CPU per counted request, flushes included: the public ceiling's check and count
 * for 200,000 requests from 1,000 addresses, paced in slices of 1,000 so that the 200-ms flushes
 * run as they would under load (the database's or Redis's own work is not in it).
 */
async function requestPathCost(backend: 'memory' | 'postgres' | 'redis'): Promise<number> {
  return withCounters(backend, async (counters) => {
    const counter = counters.counter('public-requests', 1_000_000_000);
    const cpu = process.cpuUsage();
    let n = 0;
    for (let slice = 0; slice < 200; slice++) {
      for (let i = 0; i < 1000; i++, n++) {
        const address = `10.0.${(n % 1000) >> 8}.${n & 255}`;
        if (counter.retryAfter(address) === 0) counter.add(address);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await counters.flush();
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / n;
  });
}
const paths: string[] = [];
for (const name of ['memory', 'postgres', 'redis'] as const)
  paths.push(`${name} ${(await requestPathCost(name)).toFixed(2)} us`);
console.log(`this process's CPU per counted request (flushes included): ${paths.join(', ')}`);
console.log(await flushCost('postgres'));
console.log(`${await flushCost('redis')}\n`);

const variants: { name: string; label: string; env: Record<string, string> }[] = [
  { name: 'memory', label: 'limits in memory (not shared)', env: { LICENTIA_LIMIT_COUNTERS: 'memory' } },
  { name: 'postgres', label: 'shared in PostgreSQL (limit_counters)', env: { LICENTIA_LIMIT_COUNTERS: 'postgres' } },
  {
    name: 'redis',
    label: 'shared in Redis',
    env: {
      LICENTIA_LIMIT_COUNTERS: 'redis',
      REDIS_URL,
      LICENTIA_REDIS_PREFIX: `licentia-bench:${randomBytes(4).toString('hex')}:`,
    },
  },
];
const results = new Map<string, { perSecond: number; p99: number; errors: number; cpuUs: number | undefined }[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of variants) {
    const db = await postgres.freshDatabase();
    const server = await spawnServer({
      DATABASE_URL: db.url,
      LICENTIA_ADMIN_KEY: KEY,
      LOG_LEVEL: 'warn',
      LICENTIA_TRUST_PROXY: 'true',
      ...variant.env,
    });
    try {
      const codes = await deployedLineItems(new Api(`${server.url}/api/v1`, KEY), 10, 100_000_000);
      const figures = await activationRun(server.url, codes, {
        seconds: SECONDS,
        connections: CONNECTIONS,
        addresses: 1000,
        serverPids: server.child.pid === undefined ? [] : [server.child.pid],
      });
      if (/cannot be shared/.test(server.output()))
        console.log(`  (the server could not share its counts:\n${server.output()})`);
      console.log(
        `round ${round + 1}, ${variant.label}: ${figures.perSecond}/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, errors ${figures.errors}, server CPU ${figures.cpuUs} us/activation`,
      );
      results.set(variant.name, [...(results.get(variant.name) ?? []), figures]);
    } finally {
      await server.stop();
      await db.drop();
    }
  }
}
const base = median((results.get('memory') ?? []).map((f) => f.perSecond));
const baseCpu = median((results.get('memory') ?? []).map((f) => f.cpuUs ?? 0));
console.log(`\nmedian of ${ROUNDS} rounds, activations/s (ratio to limits in memory):`);
for (const variant of variants) {
  const runs = results.get(variant.name) ?? [];
  const perSecond = median(runs.map((f) => f.perSecond));
  const cpuUs = median(runs.map((f) => f.cpuUs ?? 0));
  console.log(
    `  ${variant.label}: ${perSecond}/s (${(perSecond / base).toFixed(3)}×), server CPU ${cpuUs} us/activation (${(cpuUs / baseCpu).toFixed(3)}×), p99 ${median(runs.map((f) => f.p99))} ms, errors ${runs.reduce((n, f) => n + f.errors, 0)}`,
  );
}
console.log(`load average at the end: ${loadAverage()}`);
