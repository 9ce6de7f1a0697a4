import type { Kysely } from 'kysely';

/**
 * The shared limit counters keep the window before the current one too (a limit checks a sliding
 * estimate over both: src/domain/sliding-window.ts), and each row its window's length, so that
 * the row can move on by itself and be forgotten when both windows are over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('limit_counters')
    .addColumn('previous_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('limit_counters')
    .addColumn('window_ms', 'bigint', (c) => c.notNull().defaultTo(60_000))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('limit_counters').dropColumn('window_ms').execute();
  await db.schema.alterTable('limit_counters').dropColumn('previous_count').execute();
}
