import { type Kysely, sql } from 'kysely';

/**
 * Billing reports that do not grow with history (issue 16, item 4), and keys-report counts that
 * do not scan the key table.
 *
 * - `report_counters`: how many activations were issued, returned and revoked per month, per
 *   tier-1 and tier-2 partner, account, product and test flag: the keys by which the reports group
 *   and filter. Kept by the store's activation writes in their own transaction (upserts adding to
 *   `n`); filled here from the rows. A missing tier is '' rather than NULL, because a primary key
 *   (and so the upsert's conflict target) treats NULLs as distinct.
 * - `web_register_keys_redeemed_at`, `web_register_keys_voided_at`: the keys report counts keys
 *   redeemed or voided in a date range; partial indexes, so unredeemed stock costs nothing.
 * - `activations_ended_at`: activations returned or revoked by time, for the months a report's
 *   range cuts (`monthlyCounts`); partial, so an activation costs nothing here until it ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('report_counters')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('test', 'integer', (c) => c.notNull())
    .addColumn('tier1_account_id', 'text', (c) => c.notNull())
    .addColumn('tier2_account_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_counters_pk', [
      'month',
      'event',
      'test',
      'tier1_account_id',
      'tier2_account_id',
      'account_id',
      'product_id',
    ])
    .execute();
  await sql`insert into report_counters (month, event, test, tier1_account_id, tier2_account_id, account_id, product_id, n)
    select issued_month, 'issued', test, coalesce(tier1_account_id, ''), coalesce(tier2_account_id, ''), account_id, product_id, count(*)
    from activations
    group by issued_month, test, coalesce(tier1_account_id, ''), coalesce(tier2_account_id, ''), account_id, product_id
    union all
    select ended_month, state, test, coalesce(tier1_account_id, ''), coalesce(tier2_account_id, ''), account_id, product_id, count(*)
    from activations where ended_at is not null and state in ('returned', 'revoked')
    group by ended_month, state, test, coalesce(tier1_account_id, ''), coalesce(tier2_account_id, ''), account_id, product_id`.execute(
    db,
  );

  // A report whose range cuts a month takes that month's counters less the few rows outside the
  // range, found by time: `activations_issued` (migration 0003) for activations, this for ends.
  await db.schema
    .createIndex('activations_ended_at')
    .on('activations')
    .column('ended_at')
    .where(sql.ref('ended_at'), 'is not', null)
    .execute();
  for (const column of ['redeemed_at', 'voided_at'] as const) {
    await db.schema
      .createIndex(`web_register_keys_${column}`)
      .on('web_register_keys')
      .columns([column, 'entitlement_pk'])
      .where(sql.ref(column), 'is not', null)
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('web_register_keys_voided_at').execute();
  await db.schema.dropIndex('web_register_keys_redeemed_at').execute();
  await db.schema.dropIndex('activations_ended_at').execute();
  await db.schema.dropTable('report_counters').execute();
}
