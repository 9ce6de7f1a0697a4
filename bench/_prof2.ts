import { openStore } from '../src/store/database.ts';
import { activationReport } from '../src/services/reports/activation-report.ts';
import { activationReport as mainReport } from '../../../main/src/services/reports/activation-report.ts';
import { openStore as mainOpen } from '../../../main/src/store/database.ts';
const url = process.argv[2]!;
const store = openStore({ url });
const mstore = mainOpen({ url });
const actor: any = { type: 'system' };
const period = (process.argv[3] ?? 'month') as 'month';
const req = { groupBy: 'account' as const, period, from: '2025-12-01', to: '2026-11-30' };
const cpu = async (f: () => Promise<unknown>) => {
  const c = process.cpuUsage();
  const t = performance.now();
  await f();
  const d = process.cpuUsage(c);
  return [(d.user + d.system) / 1000, performance.now() - t];
};
const res: Record<string, number[][]> = { branch: [], main: [] };
for (let i = 0; i < 10; i++) {
  res.branch!.push(await cpu(() => activationReport({ store, now: () => new Date() } as any, actor, req)));
  res.main!.push(await cpu(() => mainReport({ store: mstore, now: () => new Date() } as any, actor, req)));
}
for (const [k, v] of Object.entries(res)) {
  const s = v.slice(3);
  const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(0);
  console.log(k, 'cpu ms', med(s.map((x) => x[0]!)), 'wall ms', med(s.map((x) => x[1]!)));
}
await store.close();
await mstore.close();
