import { type Expression, type SqlBool, sql } from 'kysely';
import type { ReportGroup } from '../domain/reports.ts';
import type { Db } from './database.ts';
import { countedMonths } from './report-counters.ts';

/** What a billing count counts: activations made, given back by the customer, or revoked by the producer. */
export type BillingEvent = 'issued' | 'returned' | 'revoked';

export interface MonthlyCount {
  key: string | null;
  /** `YYYY-MM` */
  month: string;
  count: number;
}

function groupKey(groupBy: ReportGroup) {
  switch (groupBy) {
    case 'partner':
      return sql<string | null>`tier1_account_id`;
    case 'holder':
      return sql<string | null>`coalesce(tier2_account_id, tier1_account_id)`;
    case 'account':
      return sql<string | null>`account_id`;
    case 'product':
      return sql<string | null>`product_id`;
  }
}

/**
 * The rows a partner is billed for or sells: those of stock it holds as tier 1 (its resellers'
 * included) or as tier 2.
 */
function partnerRows(partnerId: string, alias = ''): Expression<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${alias}tier1_account_id`)} = ${partnerId} or ${sql.ref(`${alias}tier2_account_id`)} = ${partnerId})`;
}

/**
 * Non-test activations made (`issued_at`), returned or revoked (`ended_at`) in one month `month`
 * and [from, to), from the rows. Each reads only its covering index (migrations 0004 and 0010):
 * the conditions are literals so that SQLite matches the partial indexes.
 */
async function rowCounts(
  db: Db,
  what: BillingEvent,
  options: { groupBy: ReportGroup; month: string; from: string; to: string; partnerId?: string | undefined },
): Promise<MonthlyCount[]> {
  const time = what === 'issued' ? 'issued_at' : 'ended_at';
  const month = what === 'issued' ? 'issued_month' : 'ended_month';
  const key = groupKey(options.groupBy);
  let query = db
    .selectFrom('activations')
    .select([sql<string>`${sql.ref(month)}`.as('month'), key.as('key'), (eb) => eb.fn.countAll<number>().as('count')])
    .where('test', '=', sql.lit(0))
    .where(month, '=', options.month)
    .where(time, '>=', options.from)
    .where(time, '<', options.to);
  if (what !== 'issued') query = query.where('ended_at', 'is not', null).where('state', '=', sql.lit(what));
  if (options.partnerId !== undefined) query = query.where(partnerRows(options.partnerId));
  // Month first: the index is in (month, partner) order, so grouping needs no sort.
  const rows = await query.groupBy([sql.ref(month), key]).execute();
  return rows.map((r) => ({ key: r.key, month: r.month, count: Number(r.count) }));
}

/**
 * Non-test activations made, returned or revoked in [from, to) (a slice of one month), per group
 * key, from the rows through the time indexes (`activations_issued`, `activations_ended_at`): each
 * row found costs a table lookup, so this is for slices with few rows.
 */
async function rowCountsBetween(
  db: Db,
  what: BillingEvent,
  options: { groupBy: ReportGroup; from: string; to: string; partnerId?: string | undefined },
): Promise<{ key: string | null; count: number }[]> {
  const time = what === 'issued' ? 'issued_at' : 'ended_at';
  const key = groupKey(options.groupBy);
  let query = db
    .selectFrom('activations')
    .select([key.as('key'), (eb) => eb.fn.countAll<number>().as('count')])
    .where(time, '>=', options.from)
    .where(time, '<', options.to)
    .where('test', '=', sql.lit(0));
  if (what !== 'issued') query = query.where('ended_at', 'is not', null).where('state', '=', sql.lit(what));
  if (options.partnerId !== undefined) query = query.where(partnerRows(options.partnerId));
  const rows = await query.groupBy(key).execute();
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

export type BillingCounts = Record<BillingEvent, MonthlyCount[]>;

const billingEvents = ['issued', 'returned', 'revoked'] as const;

/**
 * Non-test activations made, returned and revoked per month in [from, to), grouped, optionally for
 * one partner. Whole months are read from the billing counters (`countedMonths`), so a report
 * costs the same over any history. A month the range cuts (its first or last) is either counted
 * from its rows in the range (the month's index entries), or taken from its counters less the rows
 * outside the range (found by time): the second when those are few, as for a range that ends today,
 * since no activation is made in the future. `now` only chooses; both give the same answer.
 */
export async function monthlyCounts(
  db: Db,
  options: { groupBy: ReportGroup; from: string; to: string; partnerId?: string | undefined; now: string },
): Promise<BillingCounts> {
  const { from, to, now } = options;
  const counts: BillingCounts = { issued: [], returned: [], revoked: [] };
  if (from >= to) return counts;
  const firstMonth = from.slice(0, 7);
  const lastMonth = monthBefore(to);
  const cuts: { month: string; from: string; to: string }[] = [];
  let wholeFrom = firstMonth;
  let wholeTo = lastMonth;
  if (from !== monthStart(firstMonth)) {
    cuts.push({ month: firstMonth, from, to: minInstant(to, monthStart(nextMonth(firstMonth))) });
    wholeFrom = nextMonth(firstMonth);
  }
  if (to !== monthStart(nextMonth(lastMonth)) && lastMonth >= wholeFrom) {
    cuts.push({ month: lastMonth, from: monthStart(lastMonth), to });
    wholeTo = previousMonth(lastMonth);
  }
  type Part = { event: BillingEvent; key: string | null; month: string; count: number };
  const parts: Promise<Part[]>[] = [];
  const counted = (fromMonth: string, toMonth: string) =>
    parts.push(countedMonths(db, { ...options, fromMonth, toMonth }));
  if (wholeFrom <= wholeTo) counted(wholeFrom, wholeTo);
  for (const cut of cuts) {
    const start = monthStart(cut.month);
    const end = monthStart(nextMonth(cut.month));
    if (fewOutside(cut, start, end, now)) {
      counted(cut.month, cut.month);
      for (const [outFrom, outTo] of [
        [start, cut.from],
        [cut.to, end],
      ] as const) {
        if (outFrom >= outTo) continue;
        for (const event of billingEvents)
          parts.push(
            rowCountsBetween(db, event, { ...options, from: outFrom, to: outTo }).then((rows) =>
              rows.map((r) => ({ event, key: r.key, month: cut.month, count: -r.count })),
            ),
          );
      }
    } else {
      for (const event of billingEvents)
        parts.push(rowCounts(db, event, { ...options, ...cut }).then((rows) => rows.map((r) => ({ event, ...r }))));
    }
  }
  const answered = await Promise.all(parts);
  if (answered.length === 1) {
    // Whole months only (one counters query, whose keys are distinct): nothing to add up.
    for (const part of answered[0] ?? []) counts[part.event].push(part);
    return counts;
  }
  const sums = new Map<string, Part>();
  for (const part of answered.flat()) {
    const id = `${part.event}\u0000${part.month}\u0000${part.key ?? '\u0000'}`;
    const sum = sums.get(id);
    if (sum) sum.count += part.count;
    else sums.set(id, { ...part });
  }
  for (const { event, key, month, count } of sums.values()) if (count !== 0) counts[event].push({ key, month, count });
  return counts;
}

/**
 * Whether a cut month is cheaper as its counters less the rows outside the range: when the time
 * outside the range, up to now, is a small part of the time inside it (a row outside costs a table
 * lookup, one inside an index entry).
 */
function fewOutside(cut: { from: string; to: string }, start: string, end: string, now: string): boolean {
  const horizon = minInstant(end, now);
  const span = (a: string, b: string) => Math.max(0, Date.parse(b) - Date.parse(a));
  const outside = span(start, minInstant(cut.from, horizon)) + span(cut.to, horizon);
  const inside = span(cut.from, minInstant(cut.to, horizon));
  return outside * 4 < inside;
}

function monthStart(month: string): string {
  return `${month}-01T00:00:00.000Z`;
}

function nextMonth(month: string): string {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function previousMonth(month: string): string {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The month of the last instant before `to`. */
function monthBefore(to: string): string {
  const month = to.slice(0, 7);
  return to === monthStart(month) ? previousMonth(month) : month;
}

function minInstant(a: string, b: string): string {
  return a < b ? a : b;
}

export async function namesOf(db: Db, groupBy: ReportGroup, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  if (groupBy === 'product') {
    const rows = await db.selectFrom('products').select(['id', 'name', 'version']).where('id', 'in', keys).execute();
    return new Map(rows.map((r) => [r.id, `${r.name} ${r.version}`]));
  }
  const rows = await db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', keys).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export interface StatementLine {
  activation: string;
  entitlementId: string;
  activationId: string;
  productName: string;
  productVersion: string;
  at: string;
  fingerprint: string;
}

/** The activations made, returned or revoked in [from, to) for one partner, oldest first, in batches. */
export async function* statementLines(
  db: Db,
  what: BillingEvent,
  options: { partnerId: string; from: string; to: string },
  batch = 5000,
): AsyncGenerator<StatementLine[]> {
  const time = what === 'issued' ? 'a.issued_at' : 'a.ended_at';
  let after: { at: string; id: string } | undefined;
  for (;;) {
    let query = db
      .selectFrom('activations as a')
      .innerJoin('line_items as li', 'li.id', 'a.line_item_id')
      .innerJoin('entitlements as e', 'e.pk', 'a.entitlement_pk')
      .innerJoin('products as p', 'p.id', 'a.product_id')
      .select([
        'a.id as activation',
        'e.id as entitlementId',
        'li.activation_id as activationId',
        'p.name as productName',
        'p.version as productVersion',
        sql<string>`${sql.ref(time)}`.as('at'),
        'a.fingerprint',
      ])
      .where('a.test', '=', sql.lit(0))
      .where(partnerRows(options.partnerId, 'a.'))
      .where(time, '>=', options.from)
      .where(time, '<', options.to);
    if (what !== 'issued') query = query.where('a.ended_at', 'is not', null).where('a.state', '=', sql.lit(what));
    if (after) {
      const { at, id } = after;
      query = query.where((eb) => eb.or([eb(time, '>', at), eb.and([eb(time, '=', at), eb('a.id', '>', id)])]));
    }
    const rows = (await query.orderBy(time).orderBy('a.id').limit(batch).execute()) as StatementLine[];
    if (rows.length === 0) return;
    yield rows;
    const last = rows.at(-1);
    if (!last || rows.length < batch) return;
    after = { at: last.at, id: last.activation };
  }
}
