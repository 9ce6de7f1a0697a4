/**
 * npm run bench:webhooks [-- --seconds 8]
 *
 * Activations per second on one server, measured in one run three ways: without webhook endpoints,
 * with two endpoints subscribed to `activation.*`, and without again (the baseline is the mean of the
 * two runs without, so that the database growing over the run does not favour either side). With
 * endpoints, each activation's event is fanned out and POSTed, signed, to two receivers on loopback
 * (bench/webhook-receiver.ts, in their own processes); their lag is the time from the change's commit
 * (the event's timestamp) to its arrival, for the deliveries that arrived while activations ran at
 * full speed, and for all of them once the backlog has drained.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { Api, arg, benchBackends, cpuTimeMs, deployedLineItem, machine, spawnServer } from './support.ts';

const SECONDS = arg('seconds', 8);
/** BENCH_CPU_PROF=DIR: the server writes a CPU profile there when it stops (node --cpu-prof). */
const profileArgs = (name: string) =>
  process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${name}`] : [];
const CONNECTIONS = 50;
const KEY = 'bench-admin-key-0123456789abcdef';

interface Receiver {
  url: string;
  report(): Promise<number[]>;
  stop(): void;
}

async function receiver(): Promise<Receiver> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/webhook-receiver.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
  const { url } = JSON.parse(await next()) as { url: string };
  return {
    url,
    report: async () => {
      const answer = next();
      child.stdin.write('report\n');
      return (JSON.parse(await answer) as { lags: number[] }).lags;
    },
    stop: () => child.kill(),
  };
}

async function activations(url: string, code: string, pid: number | undefined) {
  let n = 0;
  const prefix = Math.random().toString(36).slice(2);
  const options = {
    url: `${url}/api/v1/activations`,
    connections: CONNECTIONS,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    requests: [
      { setupRequest: (r: object) => ({ ...r, body: JSON.stringify({ code, fingerprint: `${prefix}-${n++}` }) }) },
    ],
  };
  const warmUp = await autocannon({ ...options, duration: 2 });
  const cpu = pid === undefined ? 0 : cpuTimeMs(pid);
  const result = await autocannon({ ...options, duration: SECONDS });
  return {
    rps: Math.round(result.requests.average),
    total: result.requests.total,
    /** Every activation made, the warm-up's too (each is an event). */
    made: result['2xx'] + warmUp['2xx'],
    errors: result.errors + result.non2xx + result.timeouts,
    cpuUs: pid === undefined ? undefined : Math.round(((cpuTimeMs(pid) - cpu) * 1000) / result.requests.total),
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const lagText = (lags: number[]) =>
  `${lags.length} deliveries, lag p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${Math.max(...lags)} ms`;

console.log(`bench:webhooks — ${machine()}, ${CONNECTIONS} connections, ${SECONDS} s per run`);
for (const backend of benchBackends()) {
  const db = await backend.freshDatabase();
  const server = await spawnServer(
    {
      DATABASE_URL: db.url,
      LICENTIA_ADMIN_KEY: KEY,
      LICENTIA_WEBHOOKS_ALLOW_PRIVATE: 'true',
      LICENTIA_PUBLIC_REQUESTS_PER_MINUTE: '100000000',
      LICENTIA_FAILED_ATTEMPTS_PER_MINUTE: '100000000',
      LOG_LEVEL: 'warn',
    },
    undefined,
    { nodeArgs: profileArgs(backend.name) },
  );
  const receivers = [await receiver(), await receiver()];
  try {
    const api = new Api(`${server.url}/api/v1`, KEY);
    const pid = server.child.pid;
    const without1 = await activations(server.url, (await deployedLineItem(api, 10_000_000)).code, pid);
    const endpoints = [];
    for (const r of receivers)
      endpoints.push((await api.post('/webhook-endpoints', { url: r.url, events: ['activation.*'] })).body.id);
    const withHooks = await activations(server.url, (await deployedLineItem(api, 10_000_000)).code, pid);
    const duringRun = (await Promise.all(receivers.map((r) => r.report()))).flat();
    // The backlog, if any, drains; then every delivery of the run has arrived.
    const expected = 2 * withHooks.made;
    const started = Date.now();
    const afterRun: number[] = [];
    while (duringRun.length + afterRun.length < expected && Date.now() - started < 120_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      afterRun.push(...(await Promise.all(receivers.map((r) => r.report()))).flat());
    }
    for (const id of endpoints) await api.delete(`/webhook-endpoints/${id}`);
    const without2 = await activations(server.url, (await deployedLineItem(api, 10_000_000)).code, pid);
    const baseline = (without1.rps + without2.rps) / 2;
    const baselineCpu = ((without1.cpuUs ?? 0) + (without2.cpuUs ?? 0)) / 2;
    console.log(`\n[${backend.name}]`);
    console.log(
      `  activations without endpoints: ${without1.rps}/s then ${without2.rps}/s (errors ${without1.errors + without2.errors}), server CPU ${Math.round(baselineCpu)} us/activation`,
    );
    console.log(
      `  activations with two endpoints: ${withHooks.rps}/s (errors ${withHooks.errors}), server CPU ${withHooks.cpuUs} us/activation`,
    );
    console.log(
      `  ratio with/without: ${(withHooks.rps / baseline).toFixed(3)} (CPU ${((withHooks.cpuUs ?? 0) / baselineCpu).toFixed(2)}×)`,
    );
    console.log(`  delivered while activations ran: ${lagText(duringRun)}`);
    console.log(
      `  all deliveries, backlog drained in ${((Date.now() - started) / 1000).toFixed(1)} s: ${lagText([...duringRun, ...afterRun])}`,
    );
  } finally {
    for (const r of receivers) r.stop();
    await server.stop();
    await db.drop();
  }
}
