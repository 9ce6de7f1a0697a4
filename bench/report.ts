/**
 * npm run bench:report [-- --activations 1000000]
 *
 * Fills a fresh SQLite database with N activations (12 months, 40 partners, 2,000 accounts,
 * 10 products, a tenth of them returned, some test ones), then times the billing report through
 * the HTTP API of a `licentia serve` process on it, beside a bare `SELECT count(*)` over the same
 * rows measured in the same run on the same file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { openStore } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { arg, machine, spawnServer } from './support.ts';

const N = arg('activations', 1_000_000);
const KEY = 'bench-admin-key-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'licentia-report-'));
const file = join(dir, 'licentia.db');

async function fill(): Promise<void> {
  const store = openStore({ url: `sqlite:${file}` });
  await migrateToLatest(store);
  await store.close();
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const at = '2026-01-01T00:00:00.000Z';
  db.transaction(() => {
    db.prepare(
      "insert into license_models (id, name, kind, duration_days, overdraft, max_rehosts, allow_offline, lease_seconds, created_at, updated_at) values ('lm_b', 'bench', 'node-locked', null, 0, null, 1, null, ?, ?)",
    ).run(at, at);
    for (let p = 0; p < 10; p++) {
      db.prepare(
        "insert into products (id, name, version, description, license_model_id, created_at, updated_at) values (?, ?, '1.0', null, 'lm_b', ?, ?)",
      ).run(`prd_${p}`, `Product ${p}`, at, at);
    }
    const account = db.prepare(
      'insert into accounts (id, name, type, parent_account_id, anonymous, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)',
    );
    for (let p = 0; p < 40; p++) account.run(`acc_p${p}`, `Partner ${p}`, 'partner', null, 0, at, at);
    for (let c = 0; c < 2000; c++) account.run(`acc_c${c}`, `Customer ${c}`, 'customer', `acc_p${c % 40}`, 1, at, at);
    const entitlement = db.prepare(
      "insert into entitlements (pk, id, id_generated, kind, state, sold_to, created_at, updated_at) values (?, ?, 1, 'simple', 'deployed', ?, ?, ?)",
    );
    const lineItem = db.prepare(
      "insert into line_items (id, entitlement_pk, position, activation_id, activation_code, activation_id_generated, product_id, quantity, used_count, state, created_at, updated_at) values (?, ?, 0, ?, ?, 1, ?, 100000000, 0, 'deployed', ?, ?)",
    );
    for (let c = 0; c < 2000; c++) {
      entitlement.run(`ent_${c}`, `E${c}`, `acc_c${c}`, at, at);
      lineItem.run(`li_${c}`, `ent_${c}`, `CODE-${c}`, `CODE${c}`, `prd_${c % 10}`, at, at);
    }
    const device = db.prepare(
      'insert into devices (id, account_id, fingerprint, name, created_at, last_seen_at) values (?, ?, ?, null, ?, ?)',
    );
    for (let c = 0; c < 2000; c++) device.run(`dev_${c}`, `acc_c${c}`, `fp-${c}`, at, at);
    const activation = db.prepare(
      `insert into activations (id, line_item_id, entitlement_pk, device_id, fingerprint, count, state, test, account_id, tier1_account_id, product_id, kid, token, device_public_key, offline, issued_at, expires_at, ended_at)
       values (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 'kid', 'token', null, 0, ?, null, ?)`,
    );
    const start = Date.parse('2025-12-01T00:00:00.000Z');
    const span = 365 * 86_400_000;
    for (let i = 0; i < N; i++) {
      const c = i % 2000;
      const issued = new Date(start + Math.floor((i / N) * span)).toISOString();
      const returned = i % 10 === 0;
      const ended = returned ? new Date(Date.parse(issued) + 20 * 86_400_000).toISOString() : null;
      activation.run(
        `act_${i.toString().padStart(8, '0')}`,
        `li_${c}`,
        `ent_${c}`,
        `dev_${c}`,
        `fp-${i}`,
        returned ? 'returned' : 'active',
        i % 97 === 0 ? 1 : 0,
        `acc_c${c}`,
        `acc_p${c % 40}`,
        `prd_${c % 10}`,
        issued,
        ended,
      );
    }
  })();
  db.exec('analyze');
  db.close();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

try {
  console.log(`bench:report — ${N.toLocaleString('en-US')} activations on SQLite — ${machine()}\n`);
  const t0 = performance.now();
  await fill();
  console.log(`(filled in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const from = '2025-12-01';
  const to = '2026-11-30';

  const bare = new SqliteDatabase(file, { readonly: true });
  const count = bare.prepare('select count(*) from activations where issued_at >= ? and issued_at < ?').pluck();
  const floorTimes: number[] = [];
  let counted = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    counted = count.get(`${from}T00:00:00.000Z`, '2026-12-01T00:00:00.000Z') as number;
    floorTimes.push(performance.now() - t);
  }
  bare.close();

  const server = await spawnServer({ DATABASE_URL: `sqlite:${file}`, LICENTIA_ADMIN_KEY: KEY, LOG_LEVEL: 'warn' });
  try {
    const headers = { authorization: `Bearer ${KEY}` };
    const results: string[] = [];
    for (const query of [
      'groupBy=partner&period=month',
      'groupBy=partner&period=quarter',
      'groupBy=account&period=quarter',
      'groupBy=product&period=month',
    ]) {
      const times: number[] = [];
      let rows = 0;
      let sum = 0;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const r = await fetch(`${server.url}/api/v1/reports/activations?${query}&from=${from}&to=${to}`, { headers });
        const body = (await r.json()) as { items: { activations: number }[] };
        times.push(performance.now() - t);
        rows = body.items.length;
        sum = body.items.reduce((n, row) => n + row.activations, 0);
      }
      results.push(
        `  report ${query.padEnd(30)} ${median(times).toFixed(0).padStart(5)} ms (median of 5; ${rows} rows, ${sum.toLocaleString('en-US')} billable activations)`,
      );
    }
    console.log(
      `  bare select count(*) over the same ${counted.toLocaleString('en-US')} rows: ${median(floorTimes).toFixed(0)} ms (median of 5)`,
    );
    for (const line of results) console.log(line);
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
