import { type Kysely, sql } from 'kysely';

/**
 * Billing by every tier, and revocations apart from returns (issue 16).
 *
 * - `tier2_account_id`: the tier-2 partner (reseller) of the activated entitlement, fixed on the
 *   activation like `tier1_account_id`, so that a reseller's report and statement find its rows and
 *   the producer can group by the partner that holds the stock. Filled for existing activations.
 * - The index of ended activations becomes two, one for returns and one for revocations (a producer
 *   revoke is not a return and is not credited); each, like the index of issued activations, now
 *   also covers `tier2_account_id`, so every grouping still reads only index entries.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('activations').addColumn('tier2_account_id', 'text').execute();
  await sql`update activations set tier2_account_id = (
      select p.account_id from entitlement_partners p
      where p.entitlement_pk = activations.entitlement_pk and p.tier = 'tier2')`.execute(db);

  await db.schema.dropIndex('activations_billing_issued').execute();
  await db.schema.dropIndex('activations_billing_ended').execute();
  await db.schema
    .createIndex('activations_billing_issued')
    .on('activations')
    .columns(['issued_month', 'tier1_account_id', 'issued_at', 'account_id', 'product_id', 'tier2_account_id'])
    .where(sql<boolean>`test = 0`)
    .execute();
  for (const state of ['returned', 'revoked'] as const) {
    await db.schema
      .createIndex(`activations_billing_${state}`)
      .on('activations')
      .columns(['ended_month', 'tier1_account_id', 'ended_at', 'account_id', 'product_id', 'tier2_account_id'])
      .where(sql<boolean>`test = 0 and ended_at is not null and state = ${sql.lit(state)}`)
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('activations_billing_revoked').execute();
  await db.schema.dropIndex('activations_billing_returned').execute();
  await db.schema.dropIndex('activations_billing_issued').execute();
  await db.schema
    .createIndex('activations_billing_issued')
    .on('activations')
    .columns(['issued_month', 'tier1_account_id', 'issued_at', 'account_id', 'product_id'])
    .where(sql<boolean>`test = 0`)
    .execute();
  await db.schema
    .createIndex('activations_billing_ended')
    .on('activations')
    .columns(['ended_month', 'tier1_account_id', 'ended_at', 'account_id', 'product_id'])
    .where(sql<boolean>`test = 0 and ended_at is not null`)
    .execute();
  await db.schema.alterTable('activations').dropColumn('tier2_account_id').execute();
}
