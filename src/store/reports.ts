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

export type BillingCounts = Record<BillingEvent, MonthlyCount[]>;

/**
 * Non-test activations made, returned and revoked per month in [from, to), grouped, optionally for
 * one partner. Whole months are read from the billing counters (`countedMonths`), so a report
 * costs the same over any history; a month the range cuts (its first or last) is counted from the
 * rows of that month only.
 */
export async function monthlyCounts(
  db: Db,
  options: { groupBy: ReportGroup; from: string; to: string; partnerId?: string | undefined },
): Promise<BillingCounts> {
  const { from, to } = options;
  const counts: BillingCounts = { issued: [], returned: [], revoked: [] };
  if (from >= to) return counts;
  const firstMonth = from.slice(0, 7);
  const lastMonth = monthBefore(to);
  const cut: { month: string; from: string; to: string }[] = [];
  let wholeFrom = firstMonth;
  let wholeTo = lastMonth;
  if (from !== monthStart(firstMonth)) {
    cut.push({ month: firstMonth, from, to: minInstant(to, monthStart(nextMonth(firstMonth))) });
    wholeFrom = nextMonth(firstMonth);
  }
  if (to !== monthStart(nextMonth(lastMonth)) && lastMonth >= wholeFrom) {
    cut.push({ month: lastMonth, from: monthStart(lastMonth), to });
    wholeTo = previousMonth(lastMonth);
  }
  const events = ['issued', 'returned', 'revoked'] as const;
  const [whole, ...edges] = await Promise.all([
    wholeFrom <= wholeTo
      ? countedMonths(db, { ...options, fromMonth: wholeFrom, toMonth: wholeTo })
      : Promise.resolve([]),
    ...cut.flatMap((c) => events.map((what) => rowCounts(db, what, { ...options, ...c }))),
  ]);
  for (const c of whole) counts[c.event].push({ key: c.key, month: c.month, count: c.count });
  for (const [i, rows] of edges.entries()) counts[events[i % events.length] as BillingEvent].push(...rows);
  return counts;
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
