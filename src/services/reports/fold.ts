import { type PeriodKind, periodOf } from '../../domain/periods.ts';
import type { ReportGroup } from '../../domain/reports.ts';
import type { Db } from '../../store/database.ts';
import { namesOf } from '../../store/reports.ts';

export interface MonthCount {
  key: string | null;
  /** `YYYY-MM` */
  month: string;
  count: number;
}

export interface FoldedRow<E extends string> {
  key: string | null;
  /** The group's name as the report shows it, and sorts by. */
  name: string;
  period: string;
  numbers: Record<E, number>;
}

/**
 * What the activations and keys reports share: monthly counts per group key folded into one row
 * per key and period (month or quarter) with a number per event (counts given per event), the key's name looked up, rows
 * sorted by period, then by name. `shownName` turns a looked-up name ('' when the key has none, as
 * for a null key) into the one shown.
 */
export async function foldCounts<E extends string>(
  db: Db,
  options: {
    groupBy: ReportGroup;
    period: PeriodKind;
    events: readonly E[];
    shownName?: (key: string | null, name: string) => string;
  },
  counts: Iterable<readonly [E, readonly MonthCount[]]>,
): Promise<FoldedRow<E>[]> {
  // Rows by period, then by key: no key string is built per count; numbers by event index until
  // the end (a property named by a variable per count is slow to update).
  type Tally = { key: string | null; n: number[] };
  const byPeriod = new Map<string, Map<string | null, Tally>>();
  const months = new Map<string, Map<string | null, Tally>>();
  for (const [event, monthCounts] of counts) {
    const e = options.events.indexOf(event);
    for (const c of monthCounts) {
      let rows = months.get(c.month);
      if (rows === undefined) {
        const label = periodOf(c.month, options.period);
        rows = byPeriod.get(label) ?? new Map<string | null, Tally>();
        byPeriod.set(label, rows);
        months.set(c.month, rows);
      }
      let row = rows.get(c.key);
      if (!row) {
        row = { key: c.key, n: options.events.map(() => 0) };
        rows.set(c.key, row);
      }
      row.n[e] = (row.n[e] ?? 0) + c.count;
    }
  }
  const keys = new Set<string>();
  for (const rows of byPeriod.values()) for (const key of rows.keys()) if (key !== null) keys.add(key);
  const names = await namesOf(db, options.groupBy, [...keys]);
  const shown = options.shownName ?? ((_key, name) => name);
  const nameOfKey = new Map<string | null, string>();
  for (const key of [null, ...keys]) nameOfKey.set(key, shown(key, names.get(key ?? '') ?? ''));
  // Each distinct name is compared once: its rank (equal names alike) orders the rows of a period,
  // in the order a comparison of the names by one collator gives, stably.
  const byName = new Intl.Collator().compare;
  const distinct = [...new Set(nameOfKey.values())].sort(byName);
  const rankOfName = new Map<string, number>();
  distinct.forEach((name, i) => {
    const before = distinct[i - 1];
    rankOfName.set(name, before !== undefined && byName(before, name) === 0 ? (rankOfName.get(before) ?? i) : i);
  });
  const folded: FoldedRow<E>[] = [];
  for (const period of [...byPeriod.keys()].sort()) {
    const ranked = [...(byPeriod.get(period)?.values() ?? [])].map((row) => {
      const name = nameOfKey.get(row.key) ?? '';
      return { rank: rankOfName.get(name) ?? 0, name, row };
    });
    ranked.sort((a, b) => a.rank - b.rank);
    for (const { name, row } of ranked) {
      const numbers = {} as Record<E, number>;
      options.events.forEach((event, e) => {
        numbers[event] = row.n[e] ?? 0;
      });
      folded.push({ key: row.key, name, period, numbers });
    }
  }
  return folded;
}
