import { Migrator, type Migration, type MigrationProvider, sql } from 'kysely';
import { type Db, type Store, errorCode } from './database.ts';
import * as foundation from './migrations/0001-foundation.ts';
import * as webRegisterKeys from './migrations/0002-web-register-keys.ts';
import * as activations from './migrations/0003-activations.ts';
import * as billing from './migrations/0004-billing.ts';
import * as portalUsers from './migrations/0005-portal-users.ts';
import * as outboxWebhooks from './migrations/0006-outbox-webhooks.ts';
import * as mail from './migrations/0007-mail.ts';
import * as operations from './migrations/0008-operations.ts';
import * as security from './migrations/0009-security.ts';
import * as billingTiers from './migrations/0010-billing-counters.ts';
import * as reportCounters from './migrations/0011-report-counters.ts';
import * as lineItemVersions from './migrations/0012-line-item-versions.ts';
import * as pendingLoads from './migrations/0013-pending-loads.ts';
import * as twoFactor from './migrations/0014-two-factor.ts';
import * as limitWindows from './migrations/0015-limit-windows.ts';
import * as auditChains from './migrations/0016-audit-chains.ts';
import * as activationEntitlementIndex from './migrations/0017-activation-entitlement-index.ts';
import * as accountReportCounters from './migrations/0018-account-report-counters.ts';
import * as auditChainDefault from './migrations/0019-audit-chain-default.ts';
import * as eventCursors from './migrations/0020-event-cursors.ts';

/** Migrations are imported, not read from disk, so they ship inside whatever runs the server. */
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-web-register-keys': webRegisterKeys,
  '0003-activations': activations,
  '0004-billing': billing,
  '0005-portal-users': portalUsers,
  '0006-outbox-webhooks': outboxWebhooks,
  '0007-mail': mail,
  '0008-operations': operations,
  '0009-security': security,
  '0010-billing-counters': billingTiers,
  '0011-report-counters': reportCounters,
  '0012-line-item-versions': lineItemVersions,
  '0013-pending-loads': pendingLoads,
  '0014-two-factor': twoFactor,
  '0015-limit-windows': limitWindows,
  '0016-audit-chains': auditChains,
  '0017-activation-entitlement-index': activationEntitlementIndex,
  '0018-account-report-counters': accountReportCounters,
  '0019-audit-chain-default': auditChainDefault,
  '0020-event-cursors': eventCursors,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrationReport {
  applied: string[];
}

/**
 * Brings the database up to date. Servers started together on one database take turns: the
 * first migrates, the others then find nothing left to do.
 */
export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  return migratingAlone(store, (db) => migrate(store, db));
}

/** An arbitrary constant naming the lock: "LMIG" in ASCII. */
const MIGRATION_LOCK = 0x4c4d4947;

/**
 * Kysely runs SQLite migrations outside any transaction and creates its own tables before taking
 * its PostgreSQL lock, so two processes could both create a table. On SQLite the whole run is one
 * IMMEDIATE transaction (the file's write lock, waited for under busy_timeout); on PostgreSQL one
 * connection holds a session advisory lock for it.
 */
async function migratingAlone<T>(store: Store, run: (db: Db) => Promise<T>): Promise<T> {
  const { sqlite } = store;
  if (sqlite) {
    sqlite.exec('begin immediate');
    try {
      const result = await run(store.db);
      sqlite.exec('commit');
      return result;
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('rollback');
      throw error;
    }
  }
  return store.db.connection().execute(async (db) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK)})`.execute(db);
    try {
      return await run(db);
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK)})`.execute(db);
    }
  });
}

/** Up to the migration `name` and no further: for tests of what a later migration does to existing rows. */
export async function migrateTo(store: Store, name: string): Promise<MigrationReport> {
  if (!(name in migrations)) throw new Error(`no migration named ${name}`);
  return migratingAlone(store, (db) => migrate(store, db, name));
}

async function migrate(store: Store, db: Db, target?: string): Promise<MigrationReport> {
  for (let attempt = 1; ; attempt++) {
    const migrator = new Migrator({
      db,
      provider,
      migrationTableSchema: await migrationSchema(store, db),
      // Numbers are handed out to work in parallel, so a database may have had 0014 before 0012
      // exists; each migration stands alone, and a missing one is run whatever its number.
      allowUnorderedMigrations: true,
    });
    const { error, results } = await (target === undefined ? migrator.migrateToLatest() : migrator.migrateTo(target));
    if (!error) return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
    // Kysely looks for its tables across every schema of the database; a schema, or a table of
    // one, dropped at that moment by someone else (PostgreSQL: 3F000, 42P01) fails the look, not
    // the migration. Look again. (A migration that itself fails fails the same way each time.)
    if (attempt < 5 && ['3F000', '42P01'].includes(errorCode(error))) continue;
    throw error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * On PostgreSQL, Kysely looks for its migration table in every schema it can see; naming the
 * current one keeps two Licentia databases in two schemas of one PostgreSQL apart.
 */
async function migrationSchema(store: Store, db: Db = store.db): Promise<string | undefined> {
  if (store.dialect !== 'postgres') return undefined;
  // On `db`, which may be the one connection that holds the migration lock.
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return result.rows[0]?.schema;
}

/**
 * Migrations this version knows that the database has not had yet. Asked of the migration table
 * directly: Kysely's own look-up lists every table of the database first, too slow for a health
 * check that a balancer runs every second, and failing when another schema of a shared
 * PostgreSQL is dropped meanwhile.
 */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db).then(
    (result) => new Set(result.rows.map((row) => row.name)),
    (error: unknown) => {
      // No migration table at all: nothing has run.
      if (['42P01', 'SQLITE_ERROR'].includes(errorCode(error))) return new Set<string>();
      throw error;
    },
  );
  return Object.keys(migrations).filter((name) => !applied.has(name));
}
