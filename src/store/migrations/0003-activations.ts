import { type Kysely, sql } from 'kysely';

/**
 * Devices, activations and floating leases. An activation carries, besides what the contract shows,
 * the few facts billing groups by (owner account, tier-1 partner, product), fixed when it was made,
 * so that a report over millions of activations reads one table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('devices_account_fingerprint', ['account_id', 'fingerprint'])
    .execute();

  await db.schema
    .createTable('activations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('line_item_id', 'text', (c) => c.notNull().references('line_items.id'))
    .addColumn('entitlement_pk', 'text', (c) => c.notNull().references('entitlements.pk'))
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('test', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('tier1_account_id', 'text')
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('device_public_key', 'text')
    .addColumn('offline', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('ended_at', 'text')
    .execute();
  // One active activation per device and line item: a repeat returns it, a race cannot make two.
  await db.schema
    .createIndex('activations_active_device')
    .on('activations')
    .columns(['line_item_id', 'fingerprint'])
    .unique()
    .where(sql.ref('state'), '=', 'active')
    .execute();
  await db.schema.createIndex('activations_line_item').on('activations').columns(['line_item_id', 'state']).execute();
  await db.schema.createIndex('activations_device').on('activations').column('device_id').execute();
  await db.schema.createIndex('activations_account').on('activations').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('activations_issued').on('activations').columns(['issued_at']).execute();

  await db.schema
    .createTable('leases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('line_item_id', 'text', (c) => c.notNull().references('line_items.id'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('device_name', 'text')
    .addColumn('test', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('released_at', 'text')
    .execute();
  await db.schema.createIndex('leases_line_item').on('leases').columns(['line_item_id', 'expires_at']).execute();

  await db.schema
    .alterTable('line_items')
    .addColumn('returns', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('line_items').dropColumn('returns').execute();
  await db.schema.dropTable('leases').execute();
  await db.schema.dropTable('activations').execute();
  await db.schema.dropTable('devices').execute();
}
