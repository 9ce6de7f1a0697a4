/**
 * node --import tsx bench/audit-chain.ts [--transactions 20000]
 *
 * The audit chain's own cost, without HTTP: audited transactions (one event the size of an
 * activation's) run through `runTransaction` in one process, with the chain off and on in turn
 * (off, on, off, on), 50 at a time on SQLite (group commit) and 10 on PostgreSQL (a server's
 * pool). Printed: the process's CPU time per transaction and the wall-clock rate, and their ratios.
 * On a machine shared with other work, read the CPU figures.
 */
import { systemActor } from '../src/domain/actors.ts';
import { audit } from '../src/services/audit.ts';
import { runTransaction } from '../src/services/transaction-scope.ts';
import { openStore } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { arg, benchBackends, machine } from './support.ts';

const TRANSACTIONS = arg('transactions', 20_000);

const after = {
  id: 'act_0000000000000000000000000000',
  activationId: 'ABCD-EFGH-IJKL-MNOP-QRST',
  entitlementId: 'ent_0000000000000000000000000000',
  deviceId: 'dev_0000000000000000000000000000',
  deviceName: null,
  fingerprint: 'bench-fingerprint-0000000000000000',
  count: 1,
  state: 'active',
  test: false,
  offline: false,
  accountId: 'acc_0000000000000000000000000000',
  productId: 'prd_0000000000000000000000000000',
  issuedAt: '2026-12-07T00:00:00.000Z',
  expiresAt: null,
  endedAt: null,
};

async function run(url: string, chain: boolean, concurrency: number): Promise<{ cpuUs: number; perSecond: number }> {
  const store = openStore({ url });
  try {
    let n = 0;
    const one = () =>
      runTransaction(store, chain, async (tx) => {
        await audit(tx, systemActor, new Date().toISOString(), {
          action: 'activation.created',
          subjectType: 'activation',
          subjectId: `act_${chain}_${n++}`,
          after,
        });
      });
    for (let i = 0; i < 500; i++) await one(); // warm-up
    const cpu = process.cpuUsage();
    const started = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (done < TRANSACTIONS) {
          done++;
          await one();
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return {
      cpuUs: (used.user + used.system) / done,
      perSecond: Math.round((done / (performance.now() - started)) * 1000),
    };
  } finally {
    await store.close();
  }
}

console.log(`bench:audit-chain — ${machine()}, ${TRANSACTIONS} audited transactions per run`);
for (const backend of benchBackends()) {
  const concurrency = backend.name === 'sqlite' ? 50 : 10;
  const db = await backend.freshDatabase();
  try {
    const store = openStore({ url: db.url });
    await migrateToLatest(store);
    await store.close();
    const runs: Record<'off' | 'on', { cpuUs: number; perSecond: number }[]> = { off: [], on: [] };
    for (let pair = 0; pair < 2; pair++)
      for (const turn of ['off', 'on'] as const) runs[turn].push(await run(db.url, turn === 'on', concurrency));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const line = (turn: 'off' | 'on') =>
      `  chain ${turn}: ${runs[turn].map((r) => `${r.cpuUs.toFixed(0)} us CPU, ${r.perSecond}/s`).join(' · ')}`;
    console.log(`[${backend.name}] ${concurrency} at a time`);
    console.log(line('off'));
    console.log(line('on'));
    const cpu = mean(runs.on.map((r) => r.cpuUs)) / mean(runs.off.map((r) => r.cpuUs));
    const rate = mean(runs.on.map((r) => r.perSecond)) / mean(runs.off.map((r) => r.perSecond));
    console.log(
      `  → on ÷ off: ${cpu.toFixed(2)}× the CPU per transaction (+${(mean(runs.on.map((r) => r.cpuUs)) - mean(runs.off.map((r) => r.cpuUs))).toFixed(0)} us), ${rate.toFixed(2)} of the rate`,
    );
  } finally {
    await db.drop();
  }
}
