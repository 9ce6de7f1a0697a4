import { type RawBuilder, sql } from 'kysely';
import type { ReportGroup } from '../domain/reports.ts';
import type { Db } from './database.ts';
import { preparedQuery } from './prepared.ts';

/**
 * The billing counters (`report_counters`, migration 0011): activations issued, returned and
 * revoked per month and per the keys reports group and filter by; and the same summed per account
 * (`report_account_counters`, migration 0018: the three counts side by side), for the producer's
 * report by account, which would otherwise group every partner and product counter of an account
 * into one row. Only the activation writes of the store change them, both tables in the same
 * transaction, by upserts that add (never read, then written), so that concurrent writers on
 * PostgreSQL cannot lose a count.
 */
export type CountedEvent = 'issued' | 'returned' | 'revoked';
const countedEvents = ['issued', 'returned', 'revoked'] as const;

export interface CountedActivation {
  test: boolean;
  tier1AccountId: string | null;
  tier2AccountId: string | null;
  accountId: string;
  productId: string;
}

const counterKey = [
  'month',
  'event',
  'test',
  'tier1_account_id',
  'tier2_account_id',
  'account_id',
  'product_id',
] as const;

type CounterArgs = {
  month: string;
  event: string;
  test: number;
  tier1: string;
  tier2: string;
  account: string;
  product: string;
  n: number;
};

const addQuery = preparedQuery(
  ['month', 'event', 'test', 'tier1', 'tier2', 'account', 'product', 'n'],
  (db, a: CounterArgs) =>
    db
      .insertInto('report_counters')
      .values({
        month: a.month,
        event: a.event,
        test: a.test,
        tier1_account_id: a.tier1,
        tier2_account_id: a.tier2,
        account_id: a.account,
        product_id: a.product,
        n: a.n,
      })
      .onConflict((oc) => oc.columns(counterKey).doUpdateSet({ n: sql<number>`report_counters.n + excluded.n` })),
);

type AccountCounterArgs = Pick<CounterArgs, 'test' | 'month' | 'account'> & Record<CountedEvent, number>;

const addAccountQuery = preparedQuery(
  ['test', 'month', 'account', 'issued', 'returned', 'revoked'],
  (db, a: AccountCounterArgs) =>
    db
      .insertInto('report_account_counters')
      .values({
        test: a.test,
        month: a.month,
        account_id: a.account,
        issued: a.issued,
        returned: a.returned,
        revoked: a.revoked,
      })
      .onConflict((oc) =>
        oc.columns(['test', 'month', 'account_id']).doUpdateSet({
          issued: sql<number>`report_account_counters.issued + excluded.issued`,
          returned: sql<number>`report_account_counters.returned + excluded.returned`,
          revoked: sql<number>`report_account_counters.revoked + excluded.revoked`,
        }),
      ),
);

/** Counts one activation's event in the month of `at` (an ISO instant, as the rows store it). */
export async function countActivationEvent(
  db: Db,
  event: CountedEvent,
  at: string,
  a: CountedActivation,
): Promise<void> {
  const args = {
    month: at.slice(0, 7),
    event,
    test: a.test ? 1 : 0,
    tier1: a.tier1AccountId ?? '',
    tier2: a.tier2AccountId ?? '',
    account: a.accountId,
    product: a.productId,
    n: 1,
  };
  await addQuery.run(db, args);
  await addAccountQuery.run(db, {
    test: args.test,
    month: args.month,
    account: args.account,
    issued: event === 'issued' ? 1 : 0,
    returned: event === 'returned' ? 1 : 0,
    revoked: event === 'revoked' ? 1 : 0,
  });
}

/**
 * The counts the rows make, by counter key: what the counters must hold. The month columns are
 * the rows' own generated ones (migration 0004), so a row and its counter agree on its month.
 */
function countedRows(where: RawBuilder<boolean>): RawBuilder<unknown> {
  const keys = sql`test, coalesce(tier1_account_id, ''), coalesce(tier2_account_id, ''), account_id, product_id`;
  return sql`
    select issued_month as month, 'issued' as event, test, coalesce(tier1_account_id, '') as tier1,
      coalesce(tier2_account_id, '') as tier2, account_id, product_id, count(*) as n
    from activations where ${where} group by issued_month, ${keys}
    union all
    select ended_month, state, test, coalesce(tier1_account_id, ''), coalesce(tier2_account_id, ''),
      account_id, product_id, count(*)
    from activations where ${where} and ended_at is not null and state in ('returned', 'revoked')
    group by ended_month, state, ${keys}`;
}

/**
 * Adds (`sign` 1) or takes away (-1) the counts of the activations `where` selects, in one
 * statement: before they are deleted, or around a change of the account they count for.
 */
async function addRows(db: Db, sign: 1 | -1, where: RawBuilder<boolean>): Promise<void> {
  await sql`insert into report_counters (month, event, test, tier1_account_id, tier2_account_id, account_id, product_id, n)
    select month, event, test, tier1, tier2, account_id, product_id, n * ${sql.lit(sign)} from (${countedRows(where)}) c
    where true
    on conflict (month, event, test, tier1_account_id, tier2_account_id, account_id, product_id)
    do update set n = report_counters.n + excluded.n`.execute(db);
  const of = (event: CountedEvent) =>
    sql`sum(case when event = ${sql.lit(event)} then n else 0 end) * ${sql.lit(sign)}`;
  await sql`insert into report_account_counters (test, month, account_id, issued, returned, revoked)
    select test, month, account_id, ${of('issued')}, ${of('returned')}, ${of('revoked')} from (${countedRows(where)}) c
    where true
    group by test, month, account_id
    on conflict (test, month, account_id) do update set
      issued = report_account_counters.issued + excluded.issued,
      returned = report_account_counters.returned + excluded.returned,
      revoked = report_account_counters.revoked + excluded.revoked`.execute(db);
}

export function uncountActivation(db: Db, id: string): Promise<void> {
  return addRows(db, -1, sql<boolean>`id = ${id}`);
}

export function recountActivation(db: Db, id: string): Promise<void> {
  return addRows(db, 1, sql<boolean>`id = ${id}`);
}

export function uncountActivationsOf(db: Db, by: { entitlementPk: string } | { lineItemId: string }): Promise<void> {
  return addRows(
    db,
    -1,
    'entitlementPk' in by
      ? sql<boolean>`entitlement_pk = ${by.entitlementPk}`
      : sql<boolean>`line_item_id = ${by.lineItemId}`,
  );
}

export interface CounterKey {
  month: string;
  event: string;
  test: number;
  tier1AccountId: string | null;
  tier2AccountId: string | null;
  accountId: string;
  productId: string;
}

export type CounterDisagreement =
  | ({ table: 'report_counters' } & CounterKey & Recount)
  | ({ table: 'report_account_counters' } & Pick<CounterKey, 'month' | 'event' | 'test' | 'accountId'> & Recount);

interface Recount {
  counted: number;
  recounted: number;
}

type Counted = {
  month: string;
  event: string;
  test: number;
  tier1: string;
  tier2: string;
  account_id: string;
  product_id: string;
  n: number | string;
};

/** Pairs each stored count with its recount by `id` (a missing counter counts 0); keeps those that differ. */
function differing<R>(stored: R[], recounted: R[], id: (r: R) => string, n: (r: R) => number) {
  const both = new Map<string, { row: R; counted: number; recounted: number }>();
  for (const row of stored) both.set(id(row), { row, counted: n(row), recounted: 0 });
  for (const row of recounted) {
    const entry = both.get(id(row)) ?? { row, counted: 0, recounted: 0 };
    entry.recounted += n(row);
    both.set(id(row), entry);
  }
  return [...both.values()].filter((e) => e.counted !== e.recounted);
}

/** Every counter, of both tables, that differs from a recount of the rows (a missing counter counts 0). */
export async function counterDisagreements(
  db: Db,
): Promise<{ counters: number; disagreements: CounterDisagreement[] }> {
  type AccountCounted = Pick<Counted, 'month' | 'event' | 'test' | 'account_id' | 'n'>;
  const [stored, recounted, storedPerAccount, recountedPerAccount] = await Promise.all([
    sql<Counted>`select month, event, test, tier1_account_id as tier1, tier2_account_id as tier2, account_id, product_id, n
      from report_counters`.execute(db),
    sql<Counted>`${countedRows(sql<boolean>`true`)}`.execute(db),
    sql<AccountCounted>`select month, 'issued' as event, test, account_id, issued as n from report_account_counters
      union all select month, 'returned', test, account_id, returned from report_account_counters
      union all select month, 'revoked', test, account_id, revoked from report_account_counters`.execute(db),
    sql<AccountCounted>`select month, event, test, account_id, sum(n) as n from (${countedRows(sql<boolean>`true`)}) c
      group by month, event, test, account_id`.execute(db),
  ]);
  const n = (r: { n: number | string }) => Number(r.n);
  const disagreements: CounterDisagreement[] = [];
  const id = (r: Counted) =>
    [r.month, r.event, Number(r.test), r.tier1, r.tier2, r.account_id, r.product_id].join('\u0000');
  for (const { row, counted, recounted: rows } of differing(stored.rows, recounted.rows, id, n))
    disagreements.push({
      table: 'report_counters',
      month: row.month,
      event: row.event,
      test: Number(row.test),
      tier1AccountId: row.tier1 === '' ? null : row.tier1,
      tier2AccountId: row.tier2 === '' ? null : row.tier2,
      accountId: row.account_id,
      productId: row.product_id,
      counted,
      recounted: rows,
    });
  const accountId = (r: AccountCounted) => [r.month, r.event, Number(r.test), r.account_id].join('\u0000');
  for (const { row, counted, recounted: rows } of differing(
    storedPerAccount.rows,
    recountedPerAccount.rows,
    accountId,
    n,
  ))
    disagreements.push({
      table: 'report_account_counters',
      month: row.month,
      event: row.event,
      test: Number(row.test),
      accountId: row.account_id,
      counted,
      recounted: rows,
    });
  disagreements.sort((a, b) => (a.month === b.month ? a.event.localeCompare(b.event) : a.month < b.month ? -1 : 1));
  return { counters: stored.rows.length + storedPerAccount.rows.length / 3, disagreements };
}

function groupKey(groupBy: ReportGroup): RawBuilder<string | null> {
  switch (groupBy) {
    case 'partner':
      return sql`nullif(tier1_account_id, '')`;
    case 'holder':
      return sql`coalesce(nullif(tier2_account_id, ''), nullif(tier1_account_id, ''))`;
    case 'account':
      return sql`account_id`;
    case 'product':
      return sql`product_id`;
  }
}

/** Non-test counts per month in [fromMonth, toMonth], event and group key, from the counters. */
export async function countedMonths(
  db: Db,
  options: { groupBy: ReportGroup; fromMonth: string; toMonth: string; partnerId?: string | undefined },
): Promise<{ event: CountedEvent; key: string | null; month: string; count: number }[]> {
  const partner =
    options.partnerId === undefined
      ? sql``
      : sql`and (tier1_account_id = ${options.partnerId} or tier2_account_id = ${options.partnerId})`;
  if (options.groupBy === 'account' && options.partnerId === undefined) {
    // One row per account and month, the three counts side by side: nothing to group.
    const result = await sql<{ month: string; key: string } & Record<CountedEvent, number | string>>`
      select month, account_id as key, issued, returned, revoked from report_account_counters
      where test = 0 and month >= ${options.fromMonth} and month <= ${options.toMonth}`.execute(db);
    const counts: { event: CountedEvent; key: string | null; month: string; count: number }[] = [];
    for (const r of result.rows) {
      for (const event of countedEvents) {
        const count = Number(r[event]);
        if (count !== 0) counts.push({ event, key: r.key, month: r.month, count });
      }
    }
    return counts;
  }
  const key = groupKey(options.groupBy);
  const result = await sql<{ event: CountedEvent; key: string | null; month: string; count: number | string }>`
    select month, event, ${key} as key, sum(n) as count from report_counters
    where month >= ${options.fromMonth} and month <= ${options.toMonth} and test = 0 ${partner}
    group by month, event, ${key}`.execute(db);
  return result.rows
    .map((r) => ({ event: r.event, key: r.key, month: r.month, count: Number(r.count) }))
    .filter((r) => r.count !== 0);
}

/** Counts every activation afresh: for a database filled around the store (benchmarks). */
export async function refillReportCounters(db: Db): Promise<void> {
  await db.deleteFrom('report_counters').execute();
  await db.deleteFrom('report_account_counters').execute();
  await addRows(db, 1, sql<boolean>`true`);
}
