import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
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
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
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
  const cores = (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm) ?? []).length;
  return `${cores} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
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
  return { code: entitlement.lineItems[0].activationId as string };
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
