import { sql } from 'kysely';
import type { ReportGroup } from '../domain/reports.ts';
import type { Db } from './database.ts';

const groupColumn = { partner: 'tier1_account_id', account: 'account_id', product: 'product_id' } as const;

export interface MonthlyCount {
  key: string | null;
  /** `YYYY-MM` */
  month: string;
  count: number;
}

/**
 * Non-test activations made (`issued_at`) or ended (`ended_at`: returned or revoked) per month in
 * [from, to), grouped, optionally for one tier-1 partner. Each reads only its covering index
 * (migration 0004): the conditions are literals so that SQLite matches the partial indexes.
 */
export async function monthlyCounts(
  db: Db,
  what: 'issued' | 'ended',
  options: { groupBy: ReportGroup; from: string; to: string; partnerId?: string | undefined },
): Promise<MonthlyCount[]> {
  const time = what === 'issued' ? 'issued_at' : 'ended_at';
  const month = what === 'issued' ? 'issued_month' : 'ended_month';
  const key = groupColumn[options.groupBy];
  let query = db
    .selectFrom('activations')
    .select([
      sql<string>`${sql.ref(month)}`.as('month'),
      sql<string | null>`${sql.ref(key)}`.as('key'),
      (eb) => eb.fn.countAll<number>().as('count'),
    ])
    .where('test', '=', sql.lit(0))
    .where(month, '>=', options.from.slice(0, 7))
    .where(month, '<=', options.to.slice(0, 7))
    .where(time, '>=', options.from)
    .where(time, '<', options.to);
  if (what === 'ended') query = query.where('ended_at', 'is not', null);
  if (options.partnerId !== undefined) query = query.where('tier1_account_id', '=', options.partnerId);
  // Month first: the index is in (month, partner) order, so grouping needs no sort.
  const rows = await query.groupBy([sql.ref(month), sql.ref(key)]).execute();
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

/** The activations made or ended in [from, to) for one tier-1 partner, oldest first, in batches. */
export async function* statementLines(
  db: Db,
  what: 'issued' | 'ended',
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
      .where('a.tier1_account_id', '=', options.partnerId)
      .where(time, '>=', options.from)
      .where(time, '<', options.to);
    if (what === 'ended') query = query.where('a.ended_at', 'is not', null);
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
