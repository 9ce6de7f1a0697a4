import { type Kysely, sql } from 'kysely';

/**
 * Lineage (issue 16 item 5).
 *
 * - `line_item_versions`: the terms a deployed line item had before each lifecycle operation that
 *   changed it (renew, upsell, upgrade, split, transfer), numbered per line item from 1, with the
 *   operation, when, who (the actor as the audit log records it) and the audit event of the change.
 *   Written in the operation's own transaction.
 * - `line_items.version`: the number of the line item's current terms (1 until the first change),
 *   raised by a conditional update in the same transaction, so two operations cannot take one number.
 * - `product_upgrades`: the products a product may be upgraded from (its `upgradesFrom`), beside the
 *   rule that a newer version of the same name may always be upgraded to.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('line_items')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createTable('line_item_versions')
    .addColumn('line_item_id', 'text', (c) => c.notNull().references('line_items.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'text')
    .addColumn('expiration_date', 'text')
    .addColumn('duration_days', 'integer')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('successor_line_item_id', 'text', (c) => c.references('line_items.id'))
    .addPrimaryKeyConstraint('line_item_versions_pk', ['line_item_id', 'version'])
    .execute();
  await db.schema
    .createTable('product_upgrades')
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('from_product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_upgrades_pk', ['product_id', 'from_product_id'])
    .addCheckConstraint('product_upgrades_not_self', sql`product_id <> from_product_id`)
    .execute();
  await db.schema
    .createIndex('product_upgrades_from')
    .on('product_upgrades')
    .columns(['from_product_id', 'product_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('product_upgrades').execute();
  await db.schema.dropTable('line_item_versions').execute();
  await db.schema.alterTable('line_items').dropColumn('version').execute();
}
