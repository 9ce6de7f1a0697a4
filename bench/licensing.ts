/**
 * npm run bench [-- --seconds 10]
 *
 * Drives a running Licentia server over loopback with autocannon at 50 connections, on SQLite and
 * PostgreSQL, and prints each figure beside its floor measured in the same run on this machine:
 *  - validations of 1,000 distinct licences, again and again, against a bare Fastify route that
 *    answers a fixed JSON body (bench/bare-server.ts);
 *  - activations, each with a new fingerprint, against the in-process floor: the same rows written
 *    in one transaction plus one Ed25519 signature, with no HTTP.
 *  - activations with the audit hash chain off and on (`LICENTIA_AUDIT_CHAIN`), two servers on fresh
 *    databases measured in turn, off, on, off, on (`--chain-pairs N`), and the ratio of their means;
 *    `--chain-only` runs that comparison alone.
 * Beside each throughput, CPU time per request (server process, or the floor's own process): the
 * load generator and other work share the machine's cores, and move throughput more than CPU time.
 */
import { spawn } from 'node:child_process';
import autocannon, { type Result } from 'autocannon';
import { newId } from '../src/domain/ids.ts';
import { generateCode, normalizeCode } from '../src/domain/codes.ts';
import { signLicense } from '../src/licensing/license-token.ts';
import { privateKeyFromPem } from '../src/licensing/signing-key.ts';
import { generateSigningKey } from '../src/licensing/signing-key.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import type { Backend } from '../test/support/backends.ts';
import { Api, arg, benchBackends, cpuTimeMs, deployedLineItem, machine, spawnServer } from './support.ts';

const SECONDS = arg('seconds', 10);
/** Pairs of runs (off, on) of the audit chain comparison. */
const CHAIN_PAIRS = arg('chain-pairs', 2);
/** `--chain-only`: only the audit chain comparison, for a quicker look at it. */
const CHAIN_ONLY = process.argv.includes('--chain-only');
/** BENCH_CPU_PROF=DIR: the chain comparison's servers write CPU profiles there when they stop (node --cpu-prof). */
const profileArgs = (name: string) =>
  process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${name}`] : [];
const CONNECTIONS = 50;
const KEY = 'bench-admin-key-0123456789abcdef';

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time of the server process per request, in microseconds (user + system). */
  cpuUs?: number | undefined;
}

function summary(result: Result, serverCpuMs?: number): Figures {
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    cpuUs: serverCpuMs === undefined ? undefined : Math.round((serverCpuMs * 1000) / result.requests.total),
  };
}

function show(label: string, s: Figures): string {
  const cpu = s.cpuUs === undefined ? '' : `, server CPU ${s.cpuUs} us/request`;
  return `${label}: ${s.rps.toLocaleString('en-US')} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, errors ${s.errors}${cpu}`;
}

async function barePeer(): Promise<{ url: string; pid: number | undefined; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-server.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).url)),
  );
  return { url, pid: child.pid, stop: () => child.kill() };
}

/**
 * Warm-up, then the measured run; with the server's pid, also the server's CPU time over the
 * measured run. On a shared machine throughput follows whatever else runs; CPU per request much less.
 */
async function load(url: string, bodies: () => string, serverPid?: number): Promise<Figures> {
  const options = {
    url,
    connections: CONNECTIONS,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (r: object) => ({ ...r, body: bodies() }) }],
  };
  await autocannon({ ...options, duration: 2 });
  const cpuBefore = serverPid === undefined ? 0 : cpuTimeMs(serverPid);
  const result = await autocannon({ ...options, duration: SECONDS });
  return summary(result, serverPid === undefined ? undefined : cpuTimeMs(serverPid) - cpuBefore);
}

/**
 * The floor of an activation: its rows in one transaction and one signature, without Licentia's code.
 * The rows are the server's (the tier-1 partner on the activation, the activation itself as the
 * audit event's `after`), on a database opened like the server's (same pragmas, same indexes), and
 * the transaction begins IMMEDIATE like the server's. What it leaves out is what Licentia adds: the
 * code lookup, the repeat check, the licence file, HTTP.
 */
async function activationFloor(backend: Backend, seconds: number): Promise<{ perSecond: number; cpuUs: number }> {
  const db = await backend.freshDatabase();
  const store: Store = openStore({ url: db.url });
  try {
    await migrateToLatest(store);
    const at = new Date().toISOString();
    const key = await generateSigningKey();
    const privateKey = privateKeyFromPem(key.privatePkcs8Pem);
    const code = generateCode();
    await store.db
      .insertInto('accounts')
      .values({
        id: 'acc_floor_partner',
        name: 'floor partner',
        type: 'partner',
        parent_account_id: null,
        anonymous: 0,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await store.db
      .insertInto('accounts')
      .values({
        id: 'acc_floor',
        name: 'floor',
        type: 'customer',
        parent_account_id: 'acc_floor_partner',
        anonymous: 0,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await store.db
      .insertInto('license_models')
      .values({
        id: 'lm_floor',
        name: 'floor',
        kind: 'node-locked',
        duration_days: null,
        overdraft: 0,
        max_rehosts: null,
        allow_offline: 1,
        lease_seconds: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await store.db
      .insertInto('products')
      .values({
        id: 'prd_floor',
        name: 'floor',
        version: '1',
        description: null,
        license_model_id: 'lm_floor',
        created_at: at,
        updated_at: at,
      })
      .execute();
    await store.db
      .insertInto('entitlements')
      .values({
        pk: 'ent_floor',
        id: 'FLOOR',
        id_generated: 0,
        kind: 'simple',
        state: 'deployed',
        sold_to: 'acc_floor',
        description: null,
        ship_to_email: null,
        ship_to_address: null,
        product_id: null,
        quantity_per_key: null,
        entitlement_id_pattern: null,
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
    await store.db
      .insertInto('line_items')
      .values({
        id: 'li_floor',
        entitlement_pk: 'ent_floor',
        position: 0,
        activation_id: code,
        activation_code: normalizeCode(code),
        activation_id_generated: 1,
        product_id: 'prd_floor',
        quantity: 100_000_000,
        start_date: null,
        expiration_date: null,
        state: 'deployed',
        parent_line_item_id: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const sign = (fp: string, id: string) =>
      signLicense(
        {
          iss: 'licentia',
          sub: fp,
          jti: id,
          iat: 1,
          nbf: 1,
          lic: {
            activationId: code,
            entitlementId: 'FLOOR',
            product: { name: 'floor', version: '1' },
            features: [{ name: 'export', version: '1.0', count: 1 }],
            model: 'node-locked',
            count: 1,
            test: false,
          },
        },
        { kid: key.kid, privateKey },
      );
    // The audit event's `after`, as the activation service writes it.
    const activationEvent = (id: string, deviceId: string, fp: string, now: string) =>
      JSON.stringify({
        id,
        activationId: code,
        entitlementId: 'FLOOR',
        deviceId,
        deviceName: null,
        fingerprint: fp,
        count: 1,
        state: 'active',
        test: false,
        offline: false,
        accountId: 'acc_floor',
        productId: 'prd_floor',
        issuedAt: now,
        expiresAt: null,
        endedAt: null,
      });
    let done = 0;
    const until = performance.now() + seconds * 1000;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    if (store.sqlite) {
      const sqlite = store.sqlite;
      const take = sqlite.prepare(
        "update line_items set used_count = used_count + 1 where id = 'li_floor' and used_count + 1 <= quantity",
      );
      const device = sqlite.prepare(
        "insert into devices (id, account_id, fingerprint, name, created_at, last_seen_at) values (?, 'acc_floor', ?, null, ?, ?) on conflict (account_id, fingerprint) do update set last_seen_at = excluded.last_seen_at returning id",
      );
      const activation = sqlite.prepare(
        "insert into activations (id, line_item_id, entitlement_pk, device_id, fingerprint, count, state, test, account_id, tier1_account_id, product_id, kid, token, device_public_key, offline, issued_at, expires_at, ended_at) values (?, 'li_floor', 'ent_floor', ?, ?, 1, 'active', 0, 'acc_floor', 'acc_floor_partner', 'prd_floor', ?, ?, null, 0, ?, null, null)",
      );
      const event = sqlite.prepare(
        "insert into events (id, at, actor, action, subject_type, subject_id, before, after) values (?, ?, 'public', 'activation.created', 'activation', ?, null, ?)",
      );
      const one = sqlite.transaction((fp: string) => {
        const now = new Date().toISOString();
        const id = newId('activation');
        take.run();
        const deviceId = (device.get(newId('device'), fp, now, now) as { id: string }).id;
        const token = sign(fp, id);
        activation.run(id, deviceId, fp, key.kid, token, now);
        event.run(newId('event'), now, id, activationEvent(id, deviceId, fp, now));
      });
      while (performance.now() < until) for (let i = 0; i < 100; i++, done++) one.immediate(`floor-${done}`);
    } else if (store.pool) {
      const client = await store.pool.connect();
      try {
        while (performance.now() < until) {
          const now = new Date().toISOString();
          const id = newId('activation');
          const fp = `floor-${done}`;
          await client.query('begin');
          await client.query(
            "update line_items set used_count = used_count + 1 where id = 'li_floor' and used_count + 1 <= quantity",
          );
          const d = await client.query(
            "insert into devices (id, account_id, fingerprint, name, created_at, last_seen_at) values ($1, 'acc_floor', $2, null, $3, $3) on conflict (account_id, fingerprint) do update set last_seen_at = excluded.last_seen_at returning id",
            [newId('device'), fp, now],
          );
          const token = sign(fp, id);
          await client.query(
            "insert into activations (id, line_item_id, entitlement_pk, device_id, fingerprint, count, state, test, account_id, tier1_account_id, product_id, kid, token, device_public_key, offline, issued_at, expires_at, ended_at) values ($1, 'li_floor', 'ent_floor', $2, $3, 1, 'active', 0, 'acc_floor', 'acc_floor_partner', 'prd_floor', $4, $5, null, 0, $6, null, null)",
            [id, d.rows[0].id, fp, key.kid, token, now],
          );
          await client.query(
            "insert into events (id, at, actor, action, subject_type, subject_id, before, after) values ($1, $2, 'public', 'activation.created', 'activation', $3, null, $4)",
            [newId('event'), now, id, activationEvent(id, d.rows[0].id, fp, now)],
          );
          await client.query('commit');
          done++;
        }
      } finally {
        client.release();
      }
    }
    const cpu = process.cpuUsage(cpuBefore);
    return {
      perSecond: Math.round((done / (performance.now() - started)) * 1000),
      cpuUs: Math.round((cpu.user + cpu.system) / done),
    };
  } finally {
    await store.close();
    await db.drop();
  }
}

/** A server of its own, on a fresh database, with the audit chain as told; answers how to load it with activations. */
async function activationServer(backend: Backend, auditChain: boolean) {
  const db = await backend.freshDatabase();
  const server = await spawnServer(
    {
      DATABASE_URL: db.url,
      LICENTIA_ADMIN_KEY: KEY,
      LOG_LEVEL: 'warn',
      LICENTIA_PUBLIC_REQUESTS_PER_MINUTE: '1000000000',
      LICENTIA_AUDIT_CHAIN: String(auditChain),
    },
    undefined,
    { nodeArgs: profileArgs(`${backend.name}-chain-${auditChain ? 'on' : 'off'}`) },
  );
  const { code } = await deployedLineItem(new Api(`${server.url}/api/v1`, KEY), 100_000_000);
  let a = 0;
  return {
    activate: () =>
      load(
        `${server.url}/api/v1/activations`,
        () => JSON.stringify({ code, fingerprint: `bench-chain-${auditChain}-${a++}` }),
        server.child.pid,
      ),
    stop: async () => {
      await server.stop();
      await db.drop();
    },
  };
}

function mean(figures: Figures[], pick: (f: Figures) => number): number {
  return Math.round(figures.reduce((sum, f) => sum + pick(f), 0) / figures.length);
}

/** Activations with the audit chain off and on, in turn (the machine's load drifts; turns spread it over both). */
async function auditChainCost(backend: Backend): Promise<void> {
  const off = await activationServer(backend, false);
  const on = await activationServer(backend, true);
  try {
    const runs: Record<'off' | 'on', Figures[]> = { off: [], on: [] };
    for (let pair = 0; pair < CHAIN_PAIRS; pair++)
      for (const turn of ['off', 'on'] as const) runs[turn].push(await (turn === 'off' ? off : on).activate());
    const line = (label: string, figures: Figures[]) =>
      `  ${label}: ${figures.map((f) => f.rps.toLocaleString('en-US')).join(' / ')} req/s (mean ${mean(figures, (f) => f.rps).toLocaleString('en-US')}), server CPU ${figures.map((f) => f.cpuUs).join(' / ')} us/request, errors ${figures.reduce((n, f) => n + f.errors, 0)}`;
    console.log(line('activations, audit chain off', runs.off));
    console.log(line('activations, audit chain on ', runs.on));
    const ratio = mean(runs.on, (f) => f.rps) / mean(runs.off, (f) => f.rps);
    const cpu = mean(runs.on, (f) => f.cpuUs ?? 0) / mean(runs.off, (f) => f.cpuUs ?? 0);
    console.log(`  → chain on / off: ${ratio.toFixed(2)} of the throughput, ${cpu.toFixed(2)}× the CPU per activation`);
  } finally {
    await off.stop();
    await on.stop();
  }
}

console.log(`bench — ${CONNECTIONS} connections, ${SECONDS} s per run — ${machine()}\n`);
if (CHAIN_ONLY) {
  for (const backend of benchBackends()) {
    console.log(`[${backend.name}]`);
    await auditChainCost(backend);
  }
} else {
  const bare = await barePeer();
  let bareResult: Figures;
  try {
    bareResult = await load(`${bare.url}/api/v1/licenses/validate`, () => '{"token":"x"}', bare.pid);
  } finally {
    bare.stop();
  }
  console.log(show('bare Fastify route (fixed JSON)', bareResult));
  for (const backend of benchBackends()) {
    const db = await backend.freshDatabase();
    const server = await spawnServer({
      DATABASE_URL: db.url,
      LICENTIA_ADMIN_KEY: KEY,
      LOG_LEVEL: 'warn',
      LICENTIA_PUBLIC_REQUESTS_PER_MINUTE: '1000000000',
    });
    try {
      const api = new Api(`${server.url}/api/v1`, KEY);
      const { code } = await deployedLineItem(api, 100_000_000);
      const tokens: string[] = [];
      for (let i = 0; i < 1000; i++)
        tokens.push(
          (await api.as(null).post('/activations', { code, fingerprint: `bench-validate-${i}` })).body.license.token,
        );
      let v = 0;
      const validations = await load(
        `${server.url}/api/v1/licenses/validate`,
        () => JSON.stringify({ token: tokens[v++ % tokens.length] }),
        server.child.pid,
      );
      let a = 0;
      const run = `${Date.now()}`;
      const activations = await load(
        `${server.url}/api/v1/activations`,
        () => JSON.stringify({ code, fingerprint: `bench-${run}-${a++}` }),
        server.child.pid,
      );
      const floor = await activationFloor(backend, SECONDS);
      console.log(`\n[${backend.name}]`);
      console.log(
        `  ${show('validations, 1,000 licences', validations)}  → ${((validations.rps / bareResult.rps) * 100).toFixed(0)}% of the bare route`,
      );
      console.log(
        `  floor of an activation (its rows in one transaction + one Ed25519 signature, no HTTP, one core): ${floor.perSecond.toLocaleString('en-US')}/s, CPU ${floor.cpuUs} us each`,
      );
      console.log(
        `  ${show('activations, a new fingerprint each', activations)}  → ${((activations.rps / floor.perSecond) * 100).toFixed(0)}% of the floor`,
      );
    } finally {
      await server.stop();
      await db.drop();
    }
    await auditChainCost(backend);
  }
}
