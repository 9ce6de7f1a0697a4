import { Migrator, type Migration, type MigrationProvider, sql } from 'kysely';
import { type Store, errorCode } from './database.ts';
import * as foundation from './migrations/0001-foundation.ts';
import * as webRegisterKeys from './migrations/0002-web-register-keys.ts';
import * as activations from './migrations/0003-activations.ts';
import * as billing from './migrations/0004-billing.ts';
import * as portalUsers from './migrations/0005-portal-users.ts';
import * as security from './migrations/0009-security.ts';

/** Migrations are imported, not read from disk, so they ship inside whatever runs the server. */
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-web-register-keys': webRegisterKeys,
  '0003-activations': activations,
  '0004-billing': billing,
  '0005-portal-users': portalUsers,
  '0009-security': security,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  for (let attempt = 1; ; attempt++) {
    const migrator = new Migrator({ db: store.db, provider, migrationTableSchema: await migrationSchema(store) });
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
    // Kysely looks for its tables across every schema of the database; a schema dropped at that
    // moment by someone else (PostgreSQL: 3F000) fails the look, not the migration. Look again.
    if (attempt < 5 && errorCode(error) === '3F000') continue;
    throw error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * On PostgreSQL, Kysely looks for its migration table in every schema it can see; naming the
 * current one keeps two Licentia databases in two schemas of one PostgreSQL apart.
 */
async function migrationSchema(store: Store): Promise<string | undefined> {
  if (store.dialect !== 'postgres') return undefined;
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
  return result.rows[0]?.schema;
}
