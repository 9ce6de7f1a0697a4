import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * `event_cursors`: how far a reader of the audit log has come, by name. On SQLite the webhooks'
 * deliveries are made from the audit log after the change commits (src/services/webhooks/event-tail.ts)
 * rather than written in the change's transaction; their reader starts where the log ends now, since
 * every event before this migration had its deliveries written with it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('event_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // SQLite's rowid of the last event read: one writer at a time, so rowids grow in commit order.
    .addColumn('position', 'bigint', (c) => c.notNull())
    // The id of that event: a copy whose rowids were renumbered (a restored backup) is noticed.
    .addColumn('event_id', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`insert into event_cursors (name, position, event_id, updated_at)
    select 'webhooks', coalesce(max(rowid), 0), (select id from events order by rowid desc limit 1),
      strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    from events`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('event_cursors').execute();
}
