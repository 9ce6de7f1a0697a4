import type { Kysely } from 'kysely';

/**
 * Key loads in progress. A big load writes its keys in short transactions of their own, under a
 * load ID named here; until one last transaction deletes this row (and writes the `key_loads`
 * row), every read of keys leaves that load's keys out, while their codes stay taken. `owner`
 * names the process that writes it (a PostgreSQL session lock, or a process ID on SQLite), so
 * that a later sweep can tell a load whose writer died from one still running. `first_seq` is the
 * entitlement's key position when the load began: its keys are at or after it, which is how they
 * are found again without an index of load IDs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pending_key_loads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entitlement_pk', 'text', (c) => c.notNull().references('entitlements.pk'))
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('first_seq', 'integer', (c) => c.notNull())
    .addColumn('idempotency_scope', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('touched_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pending_key_loads').execute();
}
