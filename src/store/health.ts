import { sql } from 'kysely';
import type { Store } from './database.ts';

/** One round trip to the database; throws when it is out of reach. */
export async function pingDatabase(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
