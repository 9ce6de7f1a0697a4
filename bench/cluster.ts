/**
 * npm run bench:cluster [-- --seconds 6 --rounds 2]
 *
 * Activations per second through HAProxy (as docs/operations.md configures it) with 1, 2 and 3
 * Licentia servers on one PostgreSQL, beside one server reached directly, in the same run:
 * interleaved round by round so that the load of a shared machine falls on all alike; the median
 * of the rounds and the ratios to the direct server. Activations are spread over 30 line items
 * and come from 1,000 client addresses (X-Forwarded-For), as real devices do; the limits are
 * shared (the `limit_counters` table, the default on PostgreSQL).
 */
import { type Balancer, startHaproxy } from '../test/support/haproxy.ts';
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
const CONNECTIONS = 60;
const KEY = 'bench-admin-key-0123456789abcdef';

const postgres = benchBackends().find((b) => b.name === 'postgres');
if (!postgres) {
  console.log('bench:cluster needs PostgreSQL: TEST_DATABASE_URL=postgres://…');
  process.exit(1);
}
console.log(
  `bench:cluster — ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds — ${machine()}, load ${loadAverage()}\n`,
);

const db = await postgres.freshDatabase();
const env = {
  DATABASE_URL: db.url,
  LICENTIA_ADMIN_KEY: KEY,
  LOG_LEVEL: 'warn',
  LICENTIA_TRUST_PROXY: 'true',
  LICENTIA_PUBLIC_REQUESTS_PER_MINUTE: '100000000',
};
const first = await spawnServer(env);
const servers = [first, ...(await Promise.all([1, 2].map(() => spawnServer(env))))];
const balancers: Balancer[] = [];
try {
  for (const n of [1, 2, 3]) balancers.push(await startHaproxy(servers.slice(0, n).map((s) => s.url)));
  const codes = await deployedLineItems(new Api(`${first.url}/api/v1`, KEY), 30, 100_000_000);
  const targets = [
    { label: 'one server, no balancer', url: first.url },
    ...balancers.map((b, i) => ({ label: `HAProxy, ${i + 1} server${i ? 's' : ''}`, url: b.url })),
  ];
  const results = new Map<string, { perSecond: number; p99: number; errors: number; cpuUs: number | undefined }[]>();
  for (let round = 0; round < ROUNDS; round++)
    for (const target of targets) {
      const figures = await activationRun(target.url, codes, {
        seconds: SECONDS,
        connections: CONNECTIONS,
        addresses: 1000,
        serverPids: servers.flatMap((s) => (s.child.pid === undefined ? [] : [s.child.pid])),
      });
      console.log(
        `round ${round + 1}, ${target.label}: ${figures.perSecond}/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, errors ${figures.errors}, server CPU ${figures.cpuUs} us/activation`,
      );
      results.set(target.label, [...(results.get(target.label) ?? []), figures]);
    }
  const base = median((results.get(targets[0]!.label) ?? []).map((f) => f.perSecond));
  console.log(`\nmedian of ${ROUNDS} rounds, activations/s (ratio to one server without the balancer):`);
  for (const target of targets) {
    const runs = results.get(target.label) ?? [];
    const perSecond = median(runs.map((f) => f.perSecond));
    console.log(
      `  ${target.label}: ${perSecond}/s (${(perSecond / base).toFixed(2)}×), p99 ${median(runs.map((f) => f.p99))} ms, errors ${runs.reduce((n, f) => n + f.errors, 0)}, server CPU ${median(runs.map((f) => f.cpuUs ?? 0))} us/activation`,
    );
  }
  console.log(`load average at the end: ${loadAverage()}`);
} finally {
  for (const balancer of balancers) await balancer.stop();
  for (const server of servers) await server.stop();
  await db.drop();
}
