/**
 * npm run bench:report [-- --activations 10000000] [-- --database postgres://postgres@127.0.0.1:5432/test] [-- --keep]
 *
 * Fills a fresh database with N activations (12 months, 40 partners, a third of the stock held by a
 * tier-2 partner, 2,000 accounts, 10 products, a tenth returned, a fiftieth revoked, some test
 * ones), fills the billing counters from the rows, then times each billing report through the HTTP
 * API of a `licentia serve` process on it, beside a bare `select count(*)` over the same rows
 * measured in the same run on the same database, and the server process's CPU time per request.
 *
 * SQLite: a new file in a temporary directory. PostgreSQL (`--database`): a new schema in that
 * database, dropped afterwards; nothing else in the database is touched. Both fill with the
 * activations' indexes dropped and build them again afterwards, as a restore would.
 *
 * `--keep`: the filled database is kept for the next run with `--keep` and the same number of
 * activations, which migrates it to the latest schema (new migrations fill what they add from the
 * rows) and measures without filling again: `licentia-bench-report-N.db` in the temporary
 * directory, or the schema `bench_report_keep_N`. Drop them by hand when done.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { refillReportCounters } from '../src/store/report-counters.ts';
import { arg, cpuTimeMs, machine, spawnServer } from './support.ts';

const N = arg('activations', 10_000_000);
const databaseArg = process.argv.indexOf('--database');
const postgresUrl = databaseArg >= 0 ? process.argv[databaseArg + 1] : undefined;
const keep = process.argv.includes('--keep');
const KEY = 'bench-admin-key-0123456789abcdef';
const CUSTOMERS = 2000;
const PARTNERS = 40;
const PRODUCTS = 10;
const AT = '2026-01-01T00:00:00.000Z';
const START = '2025-12-01T00:00:00.000Z';
const FROM = '2025-12-01';
const TO = '2026-11-30';

/** What each activation i is: the same on both databases. */
const shape = {
  customer: (i: number) => i % CUSTOMERS,
  partner: (c: number) => c % PARTNERS,
  /** A third of the accounts bought from a tier-2 partner's stock. */
  tier2: (c: number) => (c % 3 === 0 ? (c + 1) % PARTNERS : null),
  product: (c: number) => c % PRODUCTS,
  state: (i: number) => (i % 10 === 0 ? 'returned' : i % 50 === 5 ? 'revoked' : 'active'),
  test: (i: number) => (i % 97 === 0 ? 1 : 0),
};

interface Target {
  name: string;
  url: string;
  /** Whether a kept database of this size is there, filled (then only migrated). */
  filled(): Promise<boolean>;
  fill(): Promise<void>;
  /** The bare count of the activations issued in the report's range, and how long it took. */
  bareCount(): Promise<{ counted: number; ms: number }>;
  drop(): Promise<void>;
}

async function migrated(url: string): Promise<void> {
  const store = openStore({ url });
  try {
    await migrateToLatest(store);
  } finally {
    await store.close();
  }
}

async function countersFilled(url: string): Promise<void> {
  const store = openStore({ url });
  try {
    await refillReportCounters(store.db);
  } finally {
    await store.close();
  }
}

function sqliteTarget(): Target {
  const dir = keep ? tmpdir() : mkdtempSync(join(tmpdir(), 'licentia-report-'));
  const file = join(dir, keep ? `licentia-bench-report-${N}.db` : 'licentia.db');
  const marker = `${file}.filled`;
  const url = `sqlite:${file}`;
  return {
    name: 'SQLite',
    url,
    async filled() {
      if (!existsSync(marker)) {
        rmSync(file, { force: true });
        return false;
      }
      await migrated(url);
      return true;
    },
    async fill() {
      await migrated(url);
      const db = new SqliteDatabase(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -262144');
      const indexes = db
        .prepare(
          "select name, sql from sqlite_master where type = 'index' and tbl_name = 'activations' and sql is not null",
        )
        .all() as { name: string; sql: string }[];
      db.transaction(() => {
        for (const index of indexes) db.exec(`drop index ${index.name}`);
        db.prepare(
          "insert into license_models (id, name, kind, duration_days, overdraft, max_rehosts, allow_offline, lease_seconds, created_at, updated_at) values ('lm_b', 'bench', 'node-locked', null, 0, null, 1, null, ?, ?)",
        ).run(AT, AT);
        for (let p = 0; p < PRODUCTS; p++) {
          db.prepare(
            "insert into products (id, name, version, description, license_model_id, created_at, updated_at) values (?, ?, '1.0', null, 'lm_b', ?, ?)",
          ).run(`prd_${p}`, `Product ${p}`, AT, AT);
        }
        const account = db.prepare(
          'insert into accounts (id, name, type, parent_account_id, anonymous, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)',
        );
        for (let p = 0; p < PARTNERS; p++) account.run(`acc_p${p}`, `Partner ${p}`, 'partner', null, 0, AT, AT);
        for (let c = 0; c < CUSTOMERS; c++)
          account.run(`acc_c${c}`, `Customer ${c}`, 'customer', `acc_p${shape.partner(c)}`, 1, AT, AT);
        const entitlement = db.prepare(
          "insert into entitlements (pk, id, id_generated, kind, state, sold_to, created_at, updated_at) values (?, ?, 1, 'simple', 'deployed', ?, ?, ?)",
        );
        const lineItem = db.prepare(
          "insert into line_items (id, entitlement_pk, position, activation_id, activation_code, activation_id_generated, product_id, quantity, used_count, state, created_at, updated_at) values (?, ?, 0, ?, ?, 1, ?, 100000000, 0, 'deployed', ?, ?)",
        );
        const device = db.prepare(
          'insert into devices (id, account_id, fingerprint, name, created_at, last_seen_at) values (?, ?, ?, null, ?, ?)',
        );
        for (let c = 0; c < CUSTOMERS; c++) {
          entitlement.run(`ent_${c}`, `E${c}`, `acc_c${c}`, AT, AT);
          lineItem.run(`li_${c}`, `ent_${c}`, `CODE-${c}`, `CODE${c}`, `prd_${shape.product(c)}`, AT, AT);
          device.run(`dev_${c}`, `acc_c${c}`, `fp-${c}`, AT, AT);
        }
        const activation = db.prepare(
          `insert into activations (id, line_item_id, entitlement_pk, device_id, fingerprint, count, state, test, account_id, tier1_account_id, tier2_account_id, product_id, kid, token, device_public_key, offline, issued_at, expires_at, ended_at)
           values (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, 'kid', 'token', null, 0, ?, null, ?)`,
        );
        const start = Date.parse(START);
        const span = 365 * 86_400_000;
        for (let i = 0; i < N; i++) {
          const c = shape.customer(i);
          const issued = start + Math.floor((i / N) * span);
          const state = shape.state(i);
          const ended =
            state === 'returned' ? issued + 20 * 86_400_000 : state === 'revoked' ? issued + 10 * 86_400_000 : null;
          const tier2 = shape.tier2(c);
          activation.run(
            `act_${i.toString().padStart(8, '0')}`,
            `li_${c}`,
            `ent_${c}`,
            `dev_${c}`,
            `fp-${i}`,
            state,
            shape.test(i),
            `acc_c${c}`,
            `acc_p${shape.partner(c)}`,
            tier2 === null ? null : `acc_p${tier2}`,
            `prd_${shape.product(c)}`,
            new Date(issued).toISOString(),
            ended === null ? null : new Date(ended).toISOString(),
          );
        }
      })();
      for (const index of indexes) db.exec(index.sql);
      db.close();
      await countersFilled(url);
      const analysed = new SqliteDatabase(file);
      analysed.exec('analyze');
      analysed.close();
      if (keep) writeFileSync(marker, `${N}\n`);
    },
    async bareCount() {
      const db = new SqliteDatabase(file, { readonly: true });
      try {
        const t = performance.now();
        const counted = db
          .prepare('select count(*) from activations where issued_at >= ? and issued_at < ?')
          .pluck()
          .get(`${FROM}T00:00:00.000Z`, '2026-12-01T00:00:00.000Z') as number;
        return { counted, ms: performance.now() - t };
      } finally {
        db.close();
      }
    },
    async drop() {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of its own in the given database: the shared database's other schemas are never touched. */
async function postgresTarget(base: string): Promise<Target> {
  const schema = keep ? `bench_report_keep_${N}` : `bench_report_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const kept =
    keep &&
    (
      await admin.query('select 1 from information_schema.tables where table_schema = $1 and table_name = $2', [
        schema,
        'bench_report_filled',
      ])
    ).rows.length > 0;
  if (!kept) {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.query(`create schema ${schema}`);
  }
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const client = async () => {
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    return c;
  };
  const iso = (t: string) => `to_char(${t}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return {
    name: 'PostgreSQL',
    url: url.toString(),
    async filled() {
      if (kept) await migrated(url.toString());
      return kept;
    },
    async fill() {
      await migrated(url.toString());
      const db = await client();
      try {
        // Session settings only: the shared server's configuration is left as it is.
        await db.query("set maintenance_work_mem = '256MB'");
        await db.query('set synchronous_commit = off');
        const indexes = (
          await db.query<{ indexname: string; indexdef: string }>(
            "select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = 'activations' and indexname not like '%pkey'",
          )
        ).rows;
        await db.query('begin');
        for (const index of indexes) await db.query(`drop index ${index.indexname}`);
        await db.query(
          `insert into license_models (id, name, kind, duration_days, overdraft, max_rehosts, allow_offline, lease_seconds, created_at, updated_at) values ('lm_b', 'bench', 'node-locked', null, 0, null, 1, null, $1, $1)`,
          [AT],
        );
        await db.query(
          `insert into products (id, name, version, description, license_model_id, created_at, updated_at)
           select 'prd_' || p, 'Product ' || p, '1.0', null, 'lm_b', $1, $1 from generate_series(0, ${PRODUCTS - 1}) p`,
          [AT],
        );
        await db.query(
          `insert into accounts (id, name, type, parent_account_id, anonymous, created_at, updated_at)
           select 'acc_p' || p, 'Partner ' || p, 'partner', null, 0, $1, $1 from generate_series(0, ${PARTNERS - 1}) p`,
          [AT],
        );
        await db.query(
          `insert into accounts (id, name, type, parent_account_id, anonymous, created_at, updated_at)
           select 'acc_c' || c, 'Customer ' || c, 'customer', 'acc_p' || (c % ${PARTNERS}), 1, $1, $1 from generate_series(0, ${CUSTOMERS - 1}) c`,
          [AT],
        );
        await db.query(
          `insert into entitlements (pk, id, id_generated, kind, state, sold_to, created_at, updated_at)
           select 'ent_' || c, 'E' || c, 1, 'simple', 'deployed', 'acc_c' || c, $1, $1 from generate_series(0, ${CUSTOMERS - 1}) c`,
          [AT],
        );
        await db.query(
          `insert into line_items (id, entitlement_pk, position, activation_id, activation_code, activation_id_generated, product_id, quantity, used_count, state, created_at, updated_at)
           select 'li_' || c, 'ent_' || c, 0, 'CODE-' || c, 'CODE' || c, 1, 'prd_' || (c % ${PRODUCTS}), 100000000, 0, 'deployed', $1, $1 from generate_series(0, ${CUSTOMERS - 1}) c`,
          [AT],
        );
        await db.query(
          `insert into devices (id, account_id, fingerprint, name, created_at, last_seen_at)
           select 'dev_' || c, 'acc_c' || c, 'fp-' || c, null, $1, $1 from generate_series(0, ${CUSTOMERS - 1}) c`,
          [AT],
        );
        await db.query(
          `insert into activations (id, line_item_id, entitlement_pk, device_id, fingerprint, count, state, test, account_id, tier1_account_id, tier2_account_id, product_id, kid, token, device_public_key, offline, issued_at, expires_at, ended_at)
           select 'act_' || lpad(i::text, 8, '0'), 'li_' || c, 'ent_' || c, 'dev_' || c, 'fp-' || i, 1, state,
             case when i % 97 = 0 then 1 else 0 end, 'acc_c' || c, 'acc_p' || (c % ${PARTNERS}),
             case when c % 3 = 0 then 'acc_p' || ((c + 1) % ${PARTNERS}) end, 'prd_' || (c % ${PRODUCTS}),
             'kid', 'token', null, 0, ${iso('issued')}, null,
             case state when 'returned' then ${iso("issued + interval '20 days'")}
                        when 'revoked' then ${iso("issued + interval '10 days'")} end
           from generate_series(0, ${N - 1}) i,
             lateral (select i % ${CUSTOMERS} as c,
               timestamp '${START.slice(0, 10)}' + floor(i::float8 / ${N} * 365 * 86400000) * interval '1 millisecond' as issued,
               case when i % 10 = 0 then 'returned' when i % 50 = 5 then 'revoked' else 'active' end as state) s`,
        );
        await db.query('commit');
        for (const index of indexes) await db.query(index.indexdef);
        await db.query('analyze');
      } finally {
        await db.end();
      }
      await countersFilled(url.toString());
      const db2 = await client();
      await db2.query('analyze report_counters');
      await db2.query('analyze report_account_counters');
      if (keep) await db2.query('create table bench_report_filled (n bigint)');
      await db2.end();
    },
    async bareCount() {
      const db = await client();
      try {
        const t = performance.now();
        const r = await db.query<{ n: string }>(
          'select count(*) as n from activations where issued_at >= $1 and issued_at < $2',
          [`${FROM}T00:00:00.000Z`, '2026-12-01T00:00:00.000Z'],
        );
        return { counted: Number(r.rows[0]?.n), ms: performance.now() - t };
      } finally {
        await db.end();
      }
    },
    async drop() {
      if (keep) return;
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const target = postgresUrl ? await postgresTarget(postgresUrl) : sqliteTarget();
try {
  console.log(`bench:report — ${N.toLocaleString('en-US')} activations on ${target.name} — ${machine()}\n`);
  const t0 = performance.now();
  if (await target.filled()) {
    console.log(`(kept from a previous run; migrated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } else {
    await target.fill();
    console.log(`(filled, indexed and counted in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  const floorTimes: number[] = [];
  let counted = 0;
  for (let i = 0; i < 5; i++) {
    const bare = await target.bareCount();
    counted = bare.counted;
    floorTimes.push(bare.ms);
  }
  const floor = median(floorTimes);
  console.log(
    `  bare select count(*) over the same ${counted.toLocaleString('en-US')} rows: ${floor.toFixed(0)} ms (median of 5)`,
  );

  const server = await spawnServer({ DATABASE_URL: target.url, LICENTIA_ADMIN_KEY: KEY, LOG_LEVEL: 'warn' });
  try {
    const headers = { authorization: `Bearer ${KEY}` };
    // The server's own CPU per request: what the load of other work on the machine changes least.
    const pid = server.child.pid ?? 0;
    const whole = `from=${FROM}&to=${TO}`;
    const queries = ['partner', 'holder', 'account', 'product'].flatMap((groupBy) =>
      ['month', 'quarter'].map((period) => `groupBy=${groupBy}&period=${period}&${whole}`),
    );
    // Ranges that cut their first and last month. Mid-month: those months are counted from their
    // rows in the range. Near the months' ends: from their counters less the few rows outside.
    queries.push('groupBy=partner&period=month&from=2025-12-15&to=2026-11-14');
    queries.push('groupBy=partner&period=month&from=2025-12-03&to=2026-11-27');
    for (const query of queries) {
      const times: number[] = [];
      const cpu: number[] = [];
      let rows = 0;
      let sum = 0;
      for (let i = 0; i < 5; i++) {
        const c = cpuTimeMs(pid);
        const t = performance.now();
        const r = await fetch(`${server.url}/api/v1/reports/activations?${query}`, { headers });
        const text = await r.text();
        times.push(performance.now() - t);
        cpu.push(cpuTimeMs(pid) - c);
        const body = JSON.parse(text) as { items: { activations: number }[] };
        if (!r.ok) throw new Error(`${query}: ${r.status} ${JSON.stringify(body)}`);
        rows = body.items.length;
        sum = body.items.reduce((n, row) => n + row.activations, 0);
      }
      const ms = median(times);
      console.log(
        `  report ${query.replace(`&${whole}`, '').padEnd(52)} ${ms.toFixed(0).padStart(6)} ms (median of 5; ${(ms / floor).toFixed(2)}× the bare count; server CPU ${median(cpu).toFixed(0)} ms; ${rows} rows, ${sum.toLocaleString('en-US')} billable activations)`,
      );
    }
  } finally {
    await server.stop();
  }
} finally {
  await target.drop();
}
