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
  const template = Object.fromEntries(options.events.map((e) => [e, 0])) as Record<E, number>;
  // Rows by period, then by key: no key string is built per count.
  const byPeriod = new Map<string, Map<string | null, FoldedRow<E>>>();
  const months = new Map<string, { label: string; rows: Map<string | null, FoldedRow<E>> }>();
  for (const [event, monthCounts] of counts) {
    for (const c of monthCounts) {
      let month = months.get(c.month);
      if (month === undefined) {
        const label = periodOf(c.month, options.period);
        const rows = byPeriod.get(label) ?? new Map<string | null, FoldedRow<E>>();
        byPeriod.set(label, rows);
        month = { label, rows };
        months.set(c.month, month);
      }
      let row = month.rows.get(c.key);
      if (!row) {
        row = { key: c.key, name: '', period: month.label, numbers: { ...template } };
        month.rows.set(c.key, row);
      }
      row.numbers[event] += c.count;
    }
  }
  const folded = [...byPeriod.values()].flatMap((rows) => [...rows.values()]);
  const names = await namesOf(db, options.groupBy, [
    ...new Set(folded.map((r) => r.key).filter((k): k is string => k !== null)),
  ]);
  const shown = options.shownName ?? ((_key, name) => name);
  for (const row of folded) row.name = shown(row.key, names.get(row.key ?? '') ?? '');
  // Each distinct name is compared once: its rank (equal names alike) orders the rows, in the
  // order a comparison of the names by one collator gives, stably.
  const byName = new Intl.Collator().compare;
  const distinct = [...new Set(folded.map((r) => r.name))].sort(byName);
  const rank = new Map<string, number>();
  distinct.forEach((name, i) => {
    const before = distinct[i - 1];
    rank.set(name, before !== undefined && byName(before, name) === 0 ? (rank.get(before) ?? i) : i);
  });
  const rankOf = (row: FoldedRow<E>) => rank.get(row.name) ?? 0;
  folded.sort((a, b) => (a.period === b.period ? rankOf(a) - rankOf(b) : a.period < b.period ? -1 : 1));
  return folded;
}
