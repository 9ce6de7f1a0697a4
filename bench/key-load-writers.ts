/**
 * npm run bench:keys:writers [-- --keys 1000000] [-- --against main]
 *
 * How long other requests wait while a big key file is loaded. One server per run loads N keys
 * (one streamed text/plain request) into a bulk entitlement while a client, one request at a time,
 * creates entitlements with a chosen activation ID (a writer of the code namespace) and reads the
 * bulk entitlement; it reports the longest and the median wait of each during the load. The same
 * runs against the server of git ref `--against` (default main, exported to a temporary directory)
 * are measured in the same run, on SQLite and PostgreSQL, and compared.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backend } from '../test/support/backends.ts';
import { BIN } from '../test/support/cli.ts';
import { Api, arg, benchBackends, keyFile, machine, seconds, spawnServer, upload } from './support.ts';

const N = arg('keys', 1_000_000);
const AGAINST = (() => {
  const i = process.argv.indexOf('--against');
  return i >= 0 ? (process.argv[i + 1] ?? 'main') : 'main';
})();
const KEY = 'bench-admin-key-0123456789abcdef';

interface Waits {
  loadMs: number;
  writes: number[];
  reads: number[];
}

async function run(backend: Backend, bin: string, path: string): Promise<Waits> {
  const db = await backend.freshDatabase();
  const server = await spawnServer(
    { DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY, LICENTIA_KEY_UPLOAD_LIMIT: String(512 * 1024 * 1024) },
    undefined,
    { bin },
  );
  try {
    const api = new Api(`${server.url}/api/v1`, KEY);
    const model = (await api.post('/license-models', { name: 'bench', kind: 'node-locked' })).body;
    const product = (await api.post('/products', { name: 'bench', version: '1', licenseModelId: model.id })).body;
    const partner = (await api.post('/accounts', { name: 'Distributor', type: 'partner' })).body;
    const customer = (await api.post('/accounts', { name: 'Customer', type: 'customer' })).body;
    const bulk = (
      await api.post('/entitlements', {
        kind: 'bulk',
        productId: product.id,
        channelPartners: [{ accountId: partner.id, tier: 'tier1' }],
      })
    ).body;
    let done = false;
    const loading = upload(KEY, `${api.baseUrl}/entitlements/${bulk.id}/web-register-keys`, path).finally(() => {
      done = true;
    });
    const waits: Waits = { loadMs: 0, writes: [], reads: [] };
    // Give the server the upload first: the waits measured are those of requests behind the load.
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; !done; i++) {
      let started = performance.now();
      const made = await api.post('/entitlements', {
        kind: 'simple',
        soldTo: customer.id,
        lineItems: [{ productId: product.id, quantity: 1, activationId: `WRITER-${process.pid}-${i}` }],
      });
      if (made.status !== 201) throw new Error(`entitlement: ${made.status} ${made.text}`);
      waits.writes.push(performance.now() - started);
      started = performance.now();
      const read = await api.get(`/entitlements/${bulk.id}`);
      if (read.status !== 200) throw new Error(`read: ${read.status} ${read.text}`);
      waits.reads.push(performance.now() - started);
    }
    const load = await loading;
    if (load.status !== 201) throw new Error(`load failed: ${load.status} ${load.body.slice(0, 300)}`);
    waits.loadMs = load.ms;
    return waits;
  } finally {
    await server.stop();
    await db.drop();
  }
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `longest ${Math.round(sorted.at(-1) ?? 0)} ms, median ${Math.round(median)} ms (${ms.length} requests)`;
}

const dir = mkdtempSync(join(tmpdir(), 'licentia-bench-'));
const baseline = join(dir, 'baseline');
try {
  // The baseline's sources, exported from git, run with this checkout's dependencies.
  execFileSync('sh', ['-c', `mkdir -p "${baseline}" && git archive ${AGAINST} | tar -x -C "${baseline}"`]);
  symlinkSync(resolve('node_modules'), join(baseline, 'node_modules'));
  const ref = execFileSync('git', ['rev-parse', '--short', AGAINST]).toString().trim();
  const here = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
  console.log(`bench:keys:writers — ${N.toLocaleString('en-US')} keys — ${machine()}`);
  console.log(`baseline: ${AGAINST} (${ref}); this checkout: ${here} (plus uncommitted changes, if any)\n`);
  const { path } = keyFile(dir, N);
  for (const backend of benchBackends()) {
    const before = await run(backend, join(baseline, 'bin', 'licentia.js'), path);
    const after = await run(backend, BIN, path);
    console.log(`[${backend.name}]`);
    console.log(`  ${AGAINST}: load ${seconds(before.loadMs)}`);
    console.log(`    POST /entitlements: ${summary(before.writes)}`);
    console.log(`    GET /entitlements/{bulk}: ${summary(before.reads)}`);
    console.log(`  this checkout: load ${seconds(after.loadMs)}`);
    console.log(`    POST /entitlements: ${summary(after.writes)}`);
    console.log(`    GET /entitlements/{bulk}: ${summary(after.reads)}`);
    // The client sends one request at a time, so behind a load that holds everyone only one of
    // them waits (a write or a read, whichever came first): compare the longest of either.
    const longestWait = (w: Waits) => Math.max(...w.writes, ...w.reads, 0);
    console.log(
      `  longest wait of any request: ${Math.round(longestWait(after))} ms vs ${Math.round(longestWait(before))} ms, ` +
        `${(longestWait(after) / longestWait(before)).toFixed(3)}× the baseline's; load time ${(after.loadMs / before.loadMs).toFixed(2)}×\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
