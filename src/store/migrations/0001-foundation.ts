import type { Kysely } from 'kysely';

/**
 * Catalogue, accounts, API keys, simple entitlements, audit log and signing keys. Only portable
 * column types (text, integer) so the same migration means the same thing on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('parent_account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('anonymous', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('accounts_parent').on('accounts').column('parent_account_id').execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contacts_account').on('contacts').column('account_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('features')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('features_name_version', ['name', 'version'])
    .execute();

  await db.schema
    .createTable('license_models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('duration_days', 'integer')
    .addColumn('overdraft', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_rehosts', 'integer')
    .addColumn('allow_offline', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('lease_seconds', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('products')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('license_model_id', 'text', (c) => c.notNull().references('license_models.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('products_name_version', ['name', 'version'])
    .execute();

  await db.schema
    .createTable('product_features')
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('feature_id', 'text', (c) => c.notNull().references('features.id'))
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_features_pk', ['product_id', 'feature_id'])
    .execute();

  await db.schema
    .createTable('entitlements')
    .addColumn('pk', 'text', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('id_generated', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('sold_to', 'text', (c) => c.references('accounts.id'))
    .addColumn('description', 'text')
    .addColumn('ship_to_email', 'text')
    .addColumn('ship_to_address', 'text')
    .addColumn('product_id', 'text', (c) => c.references('products.id'))
    .addColumn('quantity_per_key', 'integer')
    .addColumn('entitlement_id_pattern', 'text')
    .addColumn('registration', 'text')
    .addColumn('key_prefix', 'text')
    .addColumn('web_register_key', 'text')
    .addColumn('bulk_entitlement_pk', 'text', (c) => c.references('entitlements.pk'))
    .addColumn('parent_entitlement_pk', 'text', (c) => c.references('entitlements.pk'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('entitlements_sold_to').on('entitlements').column('sold_to').execute();
  await db.schema.createIndex('entitlements_state_kind').on('entitlements').columns(['state', 'kind']).execute();
  await db.schema.createIndex('entitlements_bulk').on('entitlements').column('bulk_entitlement_pk').execute();

  await db.schema
    .createTable('entitlement_partners')
    .addColumn('entitlement_pk', 'text', (c) => c.notNull().references('entitlements.pk'))
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('contact_id', 'text', (c) => c.references('contacts.id'))
    .addPrimaryKeyConstraint('entitlement_partners_pk', ['entitlement_pk', 'tier'])
    .execute();
  await db.schema.createIndex('entitlement_partners_account').on('entitlement_partners').column('account_id').execute();

  await db.schema
    .createTable('line_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entitlement_pk', 'text', (c) => c.notNull().references('entitlements.pk'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('activation_id', 'text', (c) => c.notNull())
    .addColumn('activation_code', 'text', (c) => c.notNull().unique())
    .addColumn('activation_id_generated', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('used_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('start_date', 'text')
    .addColumn('expiration_date', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('parent_line_item_id', 'text', (c) => c.references('line_items.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('line_items_entitlement').on('line_items').column('entitlement_pk').execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .execute();
  await db.schema.createIndex('events_subject').on('events').columns(['subject_type', 'subject_id']).execute();
  await db.schema.createIndex('events_action').on('events').columns(['action', 'id']).execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_pkcs8', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'signing_keys',
    'events',
    'line_items',
    'entitlement_partners',
    'entitlements',
    'product_features',
    'products',
    'license_models',
    'features',
    'api_keys',
    'contacts',
    'accounts',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
