import { type Kysely, sql } from 'kysely';

/**
 * `report_account_counters`: the billing counters of `report_counters` (migration 0011) summed over
 * partners and products, one row per test flag, month and account with the three counts side by
 * side. The producer's report by account answers one row per account and month; from
 * `report_counters` it had to group every partner and product counter of an account into it, and
 * read three rows (one per event) for each: that was most of its time. Kept by the same store
 * writes in the same transactions (src/store/report-counters.ts); filled here from the rows, as
 * 0011 filled the others.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('report_account_counters')
    .addColumn('test', 'integer', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('issued', 'integer', (c) => c.notNull())
    .addColumn('returned', 'integer', (c) => c.notNull())
    .addColumn('revoked', 'integer', (c) => c.notNull())
    // Test flag and month first: a report reads one range of it (test = 0, its months).
    .addPrimaryKeyConstraint('report_account_counters_pk', ['test', 'month', 'account_id'])
    .execute();
  await sql`insert into report_account_counters (test, month, account_id, issued, returned, revoked)
    select test, month, account_id, sum(issued), sum(returned), sum(revoked) from (
      select test, issued_month as month, account_id, count(*) as issued, 0 as returned, 0 as revoked
      from activations group by test, issued_month, account_id
      union all
      select test, ended_month, account_id, 0, sum(case when state = 'returned' then 1 else 0 end),
        sum(case when state = 'revoked' then 1 else 0 end)
      from activations where ended_at is not null and state in ('returned', 'revoked')
      group by test, ended_month, account_id
    ) c
    group by test, month, account_id`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('report_account_counters').execute();
}
