/**
 * npm run bench:keys [-- --keys 1000000]
 *
 * Loads N generated keys into one bulk entitlement through the HTTP API (one streamed text/plain
 * request), on SQLite and PostgreSQL, and compares with the floor measured in the same run: the
 * same keys inserted into the same table with a bare prepared statement in one transaction
 * (better-sqlite3), or with COPY (PostgreSQL). Prints the server's peak memory for N and N/10
 * keys (it must not grow with N beyond the request), and the time and memory of a CSV export.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { normalizeCode } from '../src/domain/codes.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import type { Backend } from '../test/support/backends.ts';
import {
  Api,
  arg,
  benchBackends,
  keyFile,
  machine,
  peakRssMb,
  perSecond,
  seconds,
  spawnServer,
  upload,
} from './support.ts';

const N = arg('keys', 1_000_000);
const KEY = 'bench-admin-key-0123456789abcdef';

async function exportCsv(url: string): Promise<{ ms: number; lines: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${KEY}`, accept: 'text/csv' } });
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    for (const byte of chunk) if (byte === 10) lines++;
  }
  return { ms: performance.now() - started, lines: lines - 1 };
}

async function serverRun(backend: Backend, path: string, count: number, nodeOptions = '') {
  const db = await backend.freshDatabase();
  const server = await spawnServer({
    DATABASE_URL: db.url,
    LICENTIA_ADMIN_KEY: KEY,
    LOG_LEVEL: 'info',
    LICENTIA_KEY_UPLOAD_LIMIT: String(512 * 1024 * 1024),
    NODE_OPTIONS: nodeOptions,
  });
  try {
    const api = new Api(`${server.url}/api/v1`, KEY);
    const model = (await api.post('/license-models', { name: 'bench', kind: 'node-locked' })).body;
    const product = (await api.post('/products', { name: 'bench', version: '1', licenseModelId: model.id })).body;
    const partner = (await api.post('/accounts', { name: 'Distributor', type: 'partner' })).body;
    const bulk = (
      await api.post('/entitlements', {
        kind: 'bulk',
        productId: product.id,
        channelPartners: [{ accountId: partner.id, tier: 'tier1' }],
      })
    ).body;
    const idleRss = peakRssMb(server.child.pid ?? 0);
    const load = await upload(KEY, `${server.url}/api/v1/entitlements/${bulk.id}/web-register-keys`, path);
    if (load.status !== 201) throw new Error(`load failed: ${load.status} ${load.body.slice(0, 500)}`);
    const added = JSON.parse(load.body).added as number;
    if (added !== count) throw new Error(`loaded ${added} of ${count}`);
    const loadRss = peakRssMb(server.child.pid ?? 0);
    const exported = await exportCsv(`${server.url}/api/v1/entitlements/${bulk.id}/web-register-keys`);
    if (exported.lines !== count) throw new Error(`exported ${exported.lines} of ${count}`);
    const exportRss = peakRssMb(server.child.pid ?? 0);
    return { loadMs: load.ms, idleRss, loadRss, exportMs: exported.ms, exportRss };
  } finally {
    await server.stop();
    await db.drop();
  }
}

/** The same rows into the same table (same migrations, same indexes), without Licentia. */
async function floor(backend: Backend, keys: string[]): Promise<number> {
  const db = await backend.freshDatabase();
  const store: Store = openStore({ url: db.url });
  try {
    await migrateToLatest(store);
    const at = new Date().toISOString();
    await store.db
      .insertInto('entitlements')
      .values({
        pk: 'ent_floor',
        id: 'FLOOR',
        id_generated: 0,
        kind: 'bulk',
        state: 'draft',
        sold_to: null,
        description: null,
        ship_to_email: null,
        ship_to_address: null,
        product_id: null,
        quantity_per_key: 1,
        entitlement_id_pattern: '{key}ENT',
        registration: null,
        key_prefix: null,
        web_register_key: null,
        bulk_entitlement_pk: null,
        parent_entitlement_pk: null,
        registration_data: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const started = performance.now();
    if (store.sqlite) {
      const insert = store.sqlite.prepare(
        "insert into web_register_keys (code, key, entitlement_pk, seq, state, load_id, created_at) values (?, ?, 'ent_floor', ?, 'unredeemed', 'kld_floor', ?)",
      );
      store.sqlite.transaction(() => {
        keys.forEach((key, seq) => {
          insert.run(normalizeCode(key), key, seq, at);
        });
      })();
    } else if (store.pool) {
      const client = await store.pool.connect();
      try {
        await client.query('begin');
        const copy = client.query(
          copyFrom('copy web_register_keys (code, key, entitlement_pk, seq, state, load_id, created_at) from stdin'),
        );
        async function* rows() {
          for (let i = 0; i < keys.length; i += 10_000) {
            yield keys
              .slice(i, i + 10_000)
              .map((key, j) => `${normalizeCode(key)}\t${key}\tent_floor\t${i + j}\tunredeemed\tkld_floor\t${at}\n`)
              .join('');
          }
        }
        await pipeline(rows, copy);
        await client.query('commit');
      } finally {
        client.release();
      }
    }
    return performance.now() - started;
  } finally {
    await store.close();
    await db.drop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'licentia-bench-'));
try {
  console.log(`bench:keys — ${N.toLocaleString('en-US')} keys — ${machine()}\n`);
  const big = keyFile(dir, N);
  const small = keyFile(dir, Math.round(N / 10));
  for (const backend of benchBackends()) {
    const floorMs = await floor(backend, big.keys);
    const run = await serverRun(backend, big.path, N);
    // With the JavaScript heap capped, what the server keeps alive shows: the same for N/10 and N keys.
    const capped = '--max-old-space-size=64';
    const bigCapped = await serverRun(backend, big.path, N, capped);
    const smallCapped = await serverRun(backend, small.path, small.keys.length, capped);
    const floorName = backend.name === 'sqlite' ? 'bare prepared statement, one transaction' : 'COPY, one transaction';
    console.log(`[${backend.name}]`);
    console.log(`  floor (${floorName}): ${seconds(floorMs)}  ${perSecond(N, floorMs)}`);
    console.log(
      `  Licentia, one HTTP text/plain request:  ${seconds(run.loadMs)}  ${perSecond(N, run.loadMs)}  → ${(run.loadMs / floorMs).toFixed(2)}× the floor`,
    );
    console.log(`  server peak RSS: idle ${run.idleRss} MB, after the load ${run.loadRss} MB (limit 512 MB)`);
    console.log(
      `  CSV export of ${N.toLocaleString('en-US')} keys: ${seconds(run.exportMs)}  ${perSecond(N, run.exportMs)}; server peak RSS afterwards ${run.exportRss} MB`,
    );
    console.log(
      `  with ${capped}: peak RSS loading ${small.keys.length.toLocaleString('en-US')} keys ${smallCapped.loadRss} MB, ` +
        `${N.toLocaleString('en-US')} keys ${bigCapped.loadRss} MB, exporting them ${bigCapped.exportRss} MB ` +
        `(load ${seconds(bigCapped.loadMs)})\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
