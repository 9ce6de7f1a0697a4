import { type RawBuilder, sql } from 'kysely';
import type { KeyEvent, KeyReportGroup } from '../domain/reports.ts';
import type { Db } from './database.ts';

export interface KeyMonthlyCount {
  key: string | null;
  /** `YYYY-MM` */
  month: string;
  event: KeyEvent;
  count: number;
}

/** The partner that holds a bulk entitlement's stock: its tier-2 reseller, else its tier-1 partner. */
function holder(e: string): RawBuilder<string | null> {
  return sql<string | null>`coalesce(
    (select p.account_id from entitlement_partners p where p.entitlement_pk = ${sql.ref(`${e}.pk`)} and p.tier = 'tier2'),
    (select p.account_id from entitlement_partners p where p.entitlement_pk = ${sql.ref(`${e}.pk`)} and p.tier = 'tier1'))`;
}

function groupKey(groupBy: KeyReportGroup, e: string): RawBuilder<string | null> {
  return groupBy === 'partner' ? holder(e) : sql<string | null>`${sql.ref(`${e}.product_id`)}`;
}

/** Stock a partner sells: bulk entitlements on which it is the tier-1 or the tier-2 partner. */
function partnerStock(partnerId: string | undefined, e: string): RawBuilder<boolean> {
  if (partnerId === undefined) return sql<boolean>`1 = 1`;
  return sql<boolean>`exists (select 1 from entitlement_partners p where p.entitlement_pk = ${sql.ref(`${e}.pk`)}
    and p.tier in ('tier1', 'tier2') and p.account_id = ${partnerId})`;
}

interface Options {
  groupBy: KeyReportGroup;
  from: string;
  to: string;
  partnerId?: string | undefined;
}

/**
 * Keys put in stock (loaded from a list or file, generated, or split in from a tier-1 partner's
 * stock), redeemed, voided and split onward, per month in [from, to) of when it happened. Test
 * stock is left out, like test activations. A key redeemed or voided counts for the stock that
 * held it then (a key is split only while unredeemed, so that is the stock that holds it now).
 */
export async function keyMonthlyCounts(db: Db, options: Options): Promise<KeyMonthlyCount[]> {
  const { from, to } = options;
  const key = groupKey(options.groupBy, 'e');
  const stock = partnerStock(options.partnerId, 'e');
  const [loads, onward, redeemed, voided] = await Promise.all([
    // The group key is a correlated subquery: computed per row inside, grouped outside.
    sql<{ month: string; source: string; key: string | null; count: number | string }>`
      select month, source, key, sum(n) as count from (
        select substr(kl.created_at, 1, 7) as month, kl.source as source, ${key} as key, kl.added as n
        from key_loads kl join entitlements e on e.pk = kl.entitlement_pk
        where e.state <> 'test' and kl.created_at >= ${from} and kl.created_at < ${to} and ${stock}
      ) t group by month, source, key`.execute(db),
    sql<{ month: string; key: string | null; count: number | string }>`
      select month, key, sum(n) as count from (
        select substr(kl.created_at, 1, 7) as month, ${key} as key, kl.added as n
        from key_loads kl join entitlements child on child.pk = kl.entitlement_pk
          join entitlements e on e.pk = child.parent_entitlement_pk
        where kl.source = 'split' and e.state <> 'test' and kl.created_at >= ${from} and kl.created_at < ${to} and ${stock}
      ) t group by month, key`.execute(db),
    settled(db, 'redeemed_at', options, key, stock),
    settled(db, 'voided_at', options, key, stock),
  ]);
  const counts: KeyMonthlyCount[] = [];
  for (const r of loads.rows) {
    const event: KeyEvent = r.source === 'generate' ? 'generated' : r.source === 'split' ? 'splitIn' : 'loaded';
    counts.push({ key: r.key, month: r.month, event, count: Number(r.count) });
  }
  for (const r of onward.rows)
    counts.push({ key: r.key, month: r.month, event: 'splitOnward', count: Number(r.count) });
  for (const r of redeemed) counts.push({ ...r, event: 'redeemed' });
  for (const r of voided) counts.push({ ...r, event: 'voided' });
  return counts;
}

async function settled(
  db: Db,
  column: 'redeemed_at' | 'voided_at',
  options: Options,
  key: RawBuilder<string | null>,
  stock: RawBuilder<boolean>,
): Promise<{ key: string | null; month: string; count: number }[]> {
  const at = sql.ref(`k.${column}`);
  const result = await sql<{ month: string; key: string | null; count: number | string }>`
    select month, key, count(*) as count from (
      select substr(${at}, 1, 7) as month, ${key} as key
      from web_register_keys k join entitlements e on e.pk = k.entitlement_pk
      where ${at} >= ${options.from} and ${at} < ${options.to} and e.state <> 'test' and ${stock}
    ) t group by month, key`.execute(db);
  return result.rows.map((r) => ({ key: r.key, month: r.month, count: Number(r.count) }));
}

export interface KeyStatementLine {
  key: string;
  at: string;
  /** The bulk entitlement (stock) the key was in. */
  stockId: string;
  /** For a redeemed key: the entitlement it became. */
  entitlementId: string | null;
}

/** The keys of a partner's stock redeemed or voided in [from, to), oldest first, at most `limit`. */
export async function keyStatementLines(
  db: Db,
  what: 'redeemed' | 'voided',
  options: { partnerId: string; from: string; to: string },
  limit: number,
): Promise<KeyStatementLine[]> {
  const at = sql.ref(what === 'redeemed' ? 'k.redeemed_at' : 'k.voided_at');
  const result = await sql<KeyStatementLine>`
    select k.key as key, ${at} as at, e.id as "stockId", r.id as "entitlementId"
    from web_register_keys k join entitlements e on e.pk = k.entitlement_pk
      left join entitlements r on r.pk = k.redeemed_entitlement_pk
    where ${at} >= ${options.from} and ${at} < ${options.to} and e.state <> 'test'
      and ${partnerStock(options.partnerId, 'e')}
    order by ${at}, k.code limit ${limit}`.execute(db);
  return result.rows;
}
