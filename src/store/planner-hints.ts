import { type RawBuilder, sql } from 'kysely';
import { type Db, storeOf } from './database.ts';

/**
 * `column` in a condition that must not pick an index on it, on SQLite. SQLite keeps no statistics
 * here, so between two equally good-looking indexes it may take the worse one: for "is this partner
 * on this entitlement" it walks every entitlement_partners row of the partner (one per key it sold,
 * a million for a busy one) instead of looking the entitlement up by its primary key. A unary `+`
 * takes the column's index out of the choice. PostgreSQL plans from statistics and gets the column
 * as it is.
 */
export function byPrimaryKeyOnly(db: Db, column: string): RawBuilder<unknown> {
  return storeOf(db).dialect === 'sqlite' ? sql`+${sql.ref(column)}` : sql`${sql.ref(column)}`;
}
