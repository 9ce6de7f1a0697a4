import { invalidField } from './errors.ts';

export const periodKinds = ['month', 'quarter'] as const;
export type PeriodKind = (typeof periodKinds)[number];

/** `2026-11` for a month of 2026-11-xx, `2026-Q4` for its quarter. */
export function periodOf(month: string, kind: PeriodKind): string {
  if (kind === 'month') return month;
  const quarter = Math.floor((Number(month.slice(5, 7)) - 1) / 3) + 1;
  return `${month.slice(0, 4)}-Q${quarter}`;
}

/** The instants a period label covers: [from, to). */
export function periodRange(period: string, field = '/period'): { from: string; to: string; kind: PeriodKind } {
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (month) {
    const [year, m] = [Number(month[1]), Number(month[2])];
    return { from: utc(year, m, 1), to: m === 12 ? utc(year + 1, 1, 1) : utc(year, m + 1, 1), kind: 'month' };
  }
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  if (quarter) {
    const [year, q] = [Number(quarter[1]), Number(quarter[2])];
    const first = (q - 1) * 3 + 1;
    return { from: utc(year, first, 1), to: q === 4 ? utc(year + 1, 1, 1) : utc(year, first + 3, 1), kind: 'quarter' };
  }
  throw invalidField(field, 'a month like 2026-11 or a quarter like 2026-Q4');
}

function utc(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString();
}
