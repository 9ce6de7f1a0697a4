import { type Expression, type SqlBool, sql } from 'kysely';
import type { ReportGroup } from '../domain/reports.ts';
import type { Db } from './database.ts';

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
 * Non-test activations made (`issued_at`), returned or revoked (`ended_at`) per month in
 * [from, to), grouped, optionally for one partner. Each reads only its covering index
 * (migrations 0004 and 0010): the conditions are literals so that SQLite matches the partial indexes.
 */
export async function monthlyCounts(
  db: Db,
  what: BillingEvent,
  options: { groupBy: ReportGroup; from: string; to: string; partnerId?: string | undefined },
): Promise<MonthlyCount[]> {
  const time = what === 'issued' ? 'issued_at' : 'ended_at';
  const month = what === 'issued' ? 'issued_month' : 'ended_month';
  const key = groupKey(options.groupBy);
  let query = db
    .selectFrom('activations')
    .select([sql<string>`${sql.ref(month)}`.as('month'), key.as('key'), (eb) => eb.fn.countAll<number>().as('count')])
    .where('test', '=', sql.lit(0))
    .where(month, '>=', options.from.slice(0, 7))
    .where(month, '<=', options.to.slice(0, 7))
    .where(time, '>=', options.from)
    .where(time, '<', options.to);
  if (what !== 'issued') query = query.where('ended_at', 'is not', null).where('state', '=', sql.lit(what));
  if (options.partnerId !== undefined) query = query.where(partnerRows(options.partnerId));
  // Month first: the index is in (month, partner) order, so grouping needs no sort.
  const rows = await query.groupBy([sql.ref(month), key]).execute();
  return rows.map((r) => ({ key: r.key, month: r.month, count: Number(r.count) }));
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
