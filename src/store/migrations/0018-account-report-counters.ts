import { type Kysely, sql } from 'kysely';

/**
 * `report_account_counters`: the billing counters of `report_counters` (migration 0011) summed over
 * partners and products, per month, event, test flag and account. The producer's report by
 * account answers one row per account and month; from `report_counters` it had to group a row per
 * account, product and partner pair into it, and that grouping was most of its time. Kept by the
 * same store writes in the same transactions (src/store/report-counters.ts); filled here from the
 * rows, as 0011 filled the wide ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('report_account_counters')
    .addColumn('test', 'integer', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    // Test flag and month first: a report reads one range of it (test = 0, its months).
    .addPrimaryKeyConstraint('report_account_counters_pk', ['test', 'month', 'event', 'account_id'])
    .execute();
  await sql`insert into report_account_counters (test, month, event, account_id, n)
    select test, issued_month, 'issued', account_id, count(*) from activations
    group by test, issued_month, account_id
    union all
    select test, ended_month, state, account_id, count(*) from activations
    where ended_at is not null and state in ('returned', 'revoked')
    group by test, ended_month, state, account_id`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('report_account_counters').execute();
}
