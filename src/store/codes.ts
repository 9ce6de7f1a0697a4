import { sql } from 'kysely';
import { type Db, storeOf } from './database.ts';

/** An arbitrary constant naming the lock: "LICN" in ASCII. */
const CODE_NAMESPACE_LOCK = 0x4c49434e;

/**
 * Activation IDs and web register keys share one namespace but live in two tables, and no unique
 * index spans both. So on PostgreSQL a load of given keys holds this transaction lock exclusively
 * and a write of line items holds it shared: whichever comes second waits for the first to commit,
 * and its check for the other table's codes then sees them. Generated codes need no lock (100
 * random bits), and SQLite runs one write transaction at a time.
 */
export async function lockCodeNamespace(db: Db, mode: 'shared' | 'exclusive'): Promise<void> {
  if (storeOf(db).dialect !== 'postgres') return;
  if (mode === 'shared') await sql`select pg_advisory_xact_lock_shared(${sql.lit(CODE_NAMESPACE_LOCK)})`.execute(db);
  else await sql`select pg_advisory_xact_lock(${sql.lit(CODE_NAMESPACE_LOCK)})`.execute(db);
}
