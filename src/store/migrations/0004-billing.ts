import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Partner billing counts activations by the month they were made and the month they ended. Each
 * gets a generated month column and an index led by it, so that a report over millions of
 * activations reads index entries already in (month, partner) order: no table lookups, no sort.
 * SQLite can only add a virtual generated column to an existing table and PostgreSQL only stores
 * them; the column means the same on both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  for (const [column, source] of [
    ['issued_month', 'issued_at'],
    ['ended_month', 'ended_at'],
  ] as const) {
    await db.schema
      .alterTable('activations')
      .addColumn(column, 'text', (c) => {
        const generated = c.generatedAlwaysAs(sql`substr(${sql.ref(source)}, 1, 7)`);
        return postgres ? generated.stored() : generated;
      })
      .execute();
  }
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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('activations_billing_ended').execute();
  await db.schema.dropIndex('activations_billing_issued').execute();
  await db.schema.alterTable('activations').dropColumn('ended_month').execute();
  await db.schema.alterTable('activations').dropColumn('issued_month').execute();
}

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
