import { type Kysely, sql } from 'kysely';

/**
 * Bulk entitlements and their web register keys. A key table holds millions of rows, so it has
 * as few indexes as its queries allow: the normalised code (lookups, uniqueness) and the position
 * within its bulk entitlement (paging, exports, splits). Keys that left `unredeemed` get a partial
 * index, which costs nothing at load time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('web_register_keys')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('entitlement_pk', 'text', (c) => c.notNull().references('entitlements.pk'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('load_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('redeemed_entitlement_pk', 'text', (c) => c.references('entitlements.pk'))
    .addColumn('redeemed_at', 'text')
    .addColumn('voided_at', 'text')
    .execute();
  await db.schema
    .createIndex('web_register_keys_position')
    .on('web_register_keys')
    .columns(['entitlement_pk', 'seq'])
    .execute();
  await db.schema
    .createIndex('web_register_keys_settled')
    .on('web_register_keys')
    .columns(['entitlement_pk', 'state', 'seq'])
    .where(sql.ref('state'), '<>', 'unredeemed')
    .execute();

  await db.schema
    .createTable('key_loads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entitlement_pk', 'text', (c) => c.notNull().references('entitlements.pk'))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('added', 'integer', (c) => c.notNull())
    .addColumn('rejected', 'integer', (c) => c.notNull())
    .addColumn('first_seq', 'integer')
    .addColumn('last_seq', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('key_loads_entitlement').on('key_loads').column('entitlement_pk').execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();

  for (const column of ['keys_total', 'keys_unredeemed', 'keys_redeemed', 'keys_void', 'key_seq']) {
    await db.schema
      .alterTable('entitlements')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
  await db.schema.alterTable('entitlements').addColumn('registration_data', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
  await db.schema.dropTable('key_loads').execute();
  await db.schema.dropTable('web_register_keys').execute();
  for (const column of [
    'keys_total',
    'keys_unredeemed',
    'keys_redeemed',
    'keys_void',
    'key_seq',
    'registration_data',
  ]) {
    await db.schema.alterTable('entitlements').dropColumn(column).execute();
  }
}
