import { sql } from 'kysely';
import { type Db, storeOf } from './database.ts';

/** An arbitrary constant naming the lock: "LSTA" in ASCII. */
const START_UP_LOCK = 0x4c535441;

/**
 * What a server makes at start if it is missing (the first admin key, the first signing key) is
 * checked for and made under this transaction lock, so that servers started together on a new
 * PostgreSQL database make it once between them. SQLite write transactions are serial already.
 */
export async function lockStartUp(db: Db): Promise<void> {
  if (storeOf(db).dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(${sql.lit(START_UP_LOCK)})`.execute(db);
}
