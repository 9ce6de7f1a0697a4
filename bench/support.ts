import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import autocannon, { type Request } from 'autocannon';
import { generateCode } from '../src/domain/codes.ts';
import { backends, type Backend } from '../test/support/backends.ts';
import type { Api } from '../test/support/http.ts';

export { spawnServer } from '../test/support/cli.ts';
export { Api } from '../test/support/http.ts';

/** Benchmarks run on SQLite and, with TEST_DATABASE_URL (or BENCH_DATABASE_URL), on PostgreSQL. */
export function benchBackends(): Backend[] {
  return backends.filter((b) => {
    if (b.skip) console.log(`(${b.name} skipped: ${b.skip})`);
    return !b.skip;
  });
}

/** Peak resident memory of a process so far, in MB (Linux: VmHWM). */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return Math.round(kb / 1024);
}

/** CPU time (user + system) a process has used so far, in ms (Linux: /proc/PID/stat, in clock ticks of 10 ms). */
export function cpuTimeMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** CPU time of one thread of a process (its main thread is the one whose id is the process's). */
export function threadCpuMs(pid: number, tid: number): number {
  return statCpuMs(`/proc/${pid}/task/${tid}/stat`);
}

function statCpuMs(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The whole machine's CPU time so far, busy and in all, in ms over all cores (Linux: /proc/stat). */
export function machineCpuMs(): { busy: number; total: number } {
  const ticks = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const total = ticks.slice(0, 8).reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) * 10, total: total * 10 };
}

/** How many cores the machine has. */
export function cores(): number {
  return (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm) ?? []).length;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function perSecond(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

export function machine(): string {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  return `${cores()} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** A deployed simple entitlement with one node-locked line item of `quantity`: the code to activate. */
export async function deployedLineItem(api: Api, quantity: number) {
  const model = (await api.post('/license-models', { name: `bench ${Math.random()}`, kind: 'node-locked' })).body;
  await api.post('/features', { name: 'export', version: '1.0' });
  const product = (
    await api.post('/products', {
      name: `bench ${Math.random()}`,
      version: '1',
      licenseModelId: model.id,
      features: [{ name: 'export', version: '1.0' }],
    })
  ).body;
  const partner = (await api.post('/accounts', { name: 'Distributor', type: 'partner' })).body;
  const customer = (await api.post('/accounts', { name: 'Customer', type: 'customer', parentAccountId: partner.id }))
    .body;
  const entitlement = (
    await api.post('/entitlements', {
      kind: 'simple',
      soldTo: customer.id,
      channelPartners: [{ accountId: partner.id, tier: 'tier1' }],
      lineItems: [{ productId: product.id, quantity }],
    })
  ).body;
  await api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' });
  return { code: entitlement.lineItems[0]!.activationId as string };
}

/** A key file of `count` generated keys, one a line, in `dir`. */
export function keyFile(dir: string, count: number): { path: string; keys: string[] } {
  const keys = Array.from({ length: count }, () => generateCode());
  const path = join(dir, `keys-${count}.txt`);
  writeFileSync(path, `${keys.join('\n')}\n`);
  return { path, keys };
}

/** Streams a key file to `url` as one text/plain request; answers when the answer is complete. */
export async function upload(
  key: string,
  url: string,
  path: string,
): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'text/plain',
          'content-length': statSync(path).size,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

export interface ActivationFigures {
  /** Acknowledged activations (201) per second over the measured run. */
  perSecond: number;
  p50: number;
  p99: number;
  /** Answers other than 201, and connection errors. */
  errors: number;
  /** CPU time of the server processes (`serverPids`) per acknowledged activation, in microseconds. */
  cpuUs: number | undefined;
}

/**
 * Activations against `url` (a server or a balancer) for `seconds` after a short warm-up, each with
 * a new fingerprint, spread over `codes`, from `connections` connections. With `addresses`, each
 * request comes from one of that many client addresses (X-Forwarded-For; the server must trust
 * it), as real devices do, so that per-address limits count many keys.
 */
export async function activationRun(
  url: string,
  codes: readonly string[],
  options: { seconds: number; connections: number; addresses?: number; warmUpSeconds?: number; serverPids?: number[] },
): Promise<ActivationFigures> {
  const pids = options.serverPids ?? [];
  const cpu = () => pids.reduce((sum, pid) => sum + cpuTimeMs(pid), 0);
  let n = 0;
  const request = {
    setupRequest: (r: Request): Request => {
      n += 1;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.addresses) {
        const a = n % options.addresses;
        headers['x-forwarded-for'] = `10.${(a >> 16) & 255}.${(a >> 8) & 255}.${a & 255}`;
      }
      const code = codes[n % codes.length];
      return { ...r, headers, body: JSON.stringify({ code, fingerprint: `bench-${process.pid}-${Date.now()}-${n}` }) };
    },
  };
  const run = (duration: number) =>
    autocannon({
      url: `${url}/api/v1/activations`,
      connections: options.connections,
      method: 'POST',
      duration,
      requests: [request],
    });
  await run(options.warmUpSeconds ?? 1);
  const cpuBefore = cpu();
  const result = await run(options.seconds);
  const cpuMs = cpu() - cpuBefore;
  return {
    cpuUs: pids.length > 0 && result['2xx'] > 0 ? Math.round((cpuMs * 1000) / result['2xx']) : undefined,
    perSecond: Math.round(result['2xx'] / options.seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** Several deployed line items (activations spread over them, not all on one row). */
export async function deployedLineItems(api: Api, count: number, quantity: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) codes.push((await deployedLineItem(api, quantity)).code);
  return codes;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The one-minute load average, to print beside figures taken on a shared machine. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
