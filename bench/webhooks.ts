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
 *
 * It also prints where the CPU went in each run, per activation: the server's main thread (which
 * serves the requests and does the database work), its other threads (the webhook sender, libuv's
 * pool), the two receivers, the load generator, and the rest of the machine (PostgreSQL, the
 * kernel); and the bound that puts on the ratio: with the endpoints, the machine must also run the
 * receivers (and the sender), so even a server whose main thread spent nothing on webhooks could
 * not exceed `cores ÷ (CPU per activation without endpoints + theirs)` activations a second.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import {
  Api,
  arg,
  benchBackends,
  cores,
  cpuTimeMs,
  deployedLineItem,
  machine,
  machineCpuMs,
  spawnServer,
  threadCpuMs,
} from './support.ts';

const SECONDS = arg('seconds', 8);
/** BENCH_CPU_PROF=DIR: the server writes a CPU profile there when it stops (node --cpu-prof). */
const profileArgs = (name: string) =>
  process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${name}`] : [];
const CONNECTIONS = 50;
const KEY = 'bench-admin-key-0123456789abcdef';

interface Receiver {
  url: string;
  pid: number;
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
    pid: child.pid ?? 0,
    report: async () => {
      const answer = next();
      child.stdin.write('report\n');
      return (JSON.parse(await answer) as { lags: number[] }).lags;
    },
    stop: () => child.kill(),
  };
}

/** CPU used so far (ms) by each part of the run (see the header). */
function cpuNow(server: number, receivers: readonly Receiver[]) {
  const own = process.cpuUsage();
  const all = cpuTimeMs(server);
  const main = threadCpuMs(server, server);
  return {
    main,
    serverOther: all - main,
    receivers: receivers.reduce((sum, r) => sum + cpuTimeMs(r.pid), 0),
    loadGenerator: (own.user + own.system) / 1000,
    machine: machineCpuMs(),
  };
}

type CpuSplit = Record<'main' | 'serverOther' | 'receivers' | 'loadGenerator' | 'rest' | 'machine', number> & {
  /** Share of the machine's CPU in use during the run. */
  busy: number;
};

/** CPU per activation (µs) by part, between two `cpuNow`s. */
function cpuSplit(a: ReturnType<typeof cpuNow>, b: ReturnType<typeof cpuNow>, made: number): CpuSplit {
  const per = (ms: number) => (ms * 1000) / made;
  const machineMs = b.machine.busy - a.machine.busy;
  const known = ['main', 'serverOther', 'receivers', 'loadGenerator'] as const;
  const parts = Object.fromEntries(known.map((k) => [k, per(b[k] - a[k])])) as Record<(typeof known)[number], number>;
  return {
    ...parts,
    rest: per(machineMs) - known.reduce((sum, k) => sum + parts[k], 0),
    machine: per(machineMs),
    busy: machineMs / (b.machine.total - a.machine.total),
  };
}

async function activations(url: string, code: string, pid: number, receivers: readonly Receiver[]) {
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
  const before = cpuNow(pid, receivers);
  const result = await autocannon({ ...options, duration: SECONDS });
  const split = cpuSplit(before, cpuNow(pid, receivers), result.requests.total);
  return {
    rps: Math.round(result.requests.average),
    total: result.requests.total,
    /** Every activation made, the warm-up's too (each is an event). */
    made: result['2xx'] + warmUp['2xx'],
    errors: result.errors + result.non2xx + result.timeouts,
    /** The server's, all its threads. */
    cpuUs: Math.round(split.main + split.serverOther),
    split,
  };
}

const splitText = (name: string, s: CpuSplit) =>
  `    ${name.padEnd(15)} main thread ${Math.round(s.main)}, other threads ${Math.round(s.serverOther)}, receivers ${Math.round(
    s.receivers,
  )}, load generator ${Math.round(s.loadGenerator)}, rest ${Math.round(s.rest)}; machine ${Math.round(s.machine)} (${Math.round(
    s.busy * 100,
  )} % busy)`;

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
    const pid = server.child.pid ?? 0;
    const without1 = await activations(server.url, (await deployedLineItem(api, 10_000_000)).code, pid, receivers);
    const endpoints = [];
    for (const r of receivers)
      endpoints.push((await api.post('/webhook-endpoints', { url: r.url, events: ['activation.*'] })).body.id);
    // Delivery starts on a thread of its own once an endpoint exists: a ping to each, answered,
    // says it is up, so that its start is not measured as part of the run.
    for (const id of endpoints) await api.post(`/webhook-endpoints/${id}/test`, {});
    const pingedAt = Date.now();
    let pinged = 0;
    while (pinged < endpoints.length && Date.now() - pingedAt < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pinged += (await Promise.all(receivers.map((r) => r.report()))).flat().length;
    }
    const withHooks = await activations(server.url, (await deployedLineItem(api, 10_000_000)).code, pid, receivers);
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
    const without2 = await activations(server.url, (await deployedLineItem(api, 10_000_000)).code, pid, receivers);
    const baseline = (without1.rps + without2.rps) / 2;
    const baselineCpu = (without1.cpuUs + without2.cpuUs) / 2;
    console.log(`\n[${backend.name}]`);
    console.log(
      `  activations without endpoints: ${without1.rps}/s then ${without2.rps}/s (errors ${without1.errors + without2.errors}), server CPU ${Math.round(baselineCpu)} us/activation`,
    );
    console.log(
      `  activations with two endpoints: ${withHooks.rps}/s (errors ${withHooks.errors}), server CPU ${withHooks.cpuUs} us/activation`,
    );
    console.log(
      `  ratio with/without: ${(withHooks.rps / baseline).toFixed(3)} (CPU ${(withHooks.cpuUs / baselineCpu).toFixed(2)}×)`,
    );
    console.log('  CPU per activation (µs):');
    console.log(splitText('without (1st)', without1.split));
    console.log(splitText('with', withHooks.split));
    console.log(splitText('without (2nd)', without2.split));
    // What the endpoints cost outside the server's main thread, which no change to the server's
    // handling of webhooks there can take back: the receivers, and the sender (its other threads' growth).
    const machineWithout = (without1.split.machine + without2.split.machine) / 2;
    const otherWithout = (without1.split.serverOther + without2.split.serverOther) / 2;
    const receiversOnly = withHooks.split.receivers;
    const sender = Math.max(0, withHooks.split.serverOther - otherWithout);
    const bound = (extra: number) => Math.min(1, (cores() * 1e6) / (machineWithout + extra) / baseline);
    console.log(
      `  bound on the ratio on this machine (${cores()} cores), if the main thread spent nothing on webhooks: ${bound(
        receiversOnly,
      ).toFixed(2)} with the receivers' CPU alone, ${bound(receiversOnly + sender).toFixed(2)} with the sender's too`,
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
