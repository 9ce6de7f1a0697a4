import type { Kysely } from 'kysely';

/**
 * Limit counters shared by every server process on one PostgreSQL database (failed guesses,
 * public ceilings, sign-in failures), one row per counter key and its current fixed window.
 * SQLite's single process counts in memory; the table exists there too so that the schema is one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('limit_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('limit_counters_window').on('limit_counters').column('window_start').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('limit_counters').execute();
}
