// npm run cluster: three Licentia servers on one PostgreSQL (DATABASE_URL) behind HAProxy on
// loopback, as docs/operations.md describes; Ctrl-C stops them all.
import { spawnServer } from '../test/support/cli.ts';
import { startHaproxy } from '../test/support/haproxy.ts';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/licentia';
if (!databaseUrl.startsWith('postgres')) {
  process.stderr.write('npm run cluster needs DATABASE_URL=postgres://… (several servers share PostgreSQL).\n');
  process.exit(1);
}
const env = { DATABASE_URL: databaseUrl, LICENTIA_TRUST_PROXY: 'true', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
const servers = await Promise.all([1, 2, 3].map(() => spawnServer(env)));
const balancer = await startHaproxy(servers.map((s) => s.url));
process.stdout.write(
  `Licentia behind HAProxy: ${balancer.url}\nservers: ${servers.map((s) => s.url).join(' ')}\n\n` +
    `${balancer.config}\n` +
    `${servers.map((s) => s.output()).join('')}Ctrl-C to stop.\n`,
);
const stop = async () => {
  await balancer.stop();
  await Promise.all(servers.map((s) => s.stop()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
