import { type RawBuilder, sql } from 'kysely';
import { type Db, storeOf } from './database.ts';

/**
 * `column` in a condition that must not pick an index on it, on SQLite. SQLite keeps no statistics
 * here, so between two equally good-looking indexes it may take the worse one:
 *  - for "is this partner on this entitlement" it walks every entitlement_partners row of the
 *    partner (one per key it sold, a million for a busy one) instead of looking the entitlement up
 *    by its primary key;
 *  - for the outbox's due messages of some kinds it walks every message of those kinds, delivered
 *    ones included (30 days of them), instead of the few due ones by `outbox_due`.
 * A unary `+` takes the column's index out of the choice. PostgreSQL plans from statistics and gets
 * the column as it is.
 */
export function withoutItsIndex(db: Db, column: string): RawBuilder<unknown> {
  return storeOf(db).dialect === 'sqlite' ? sql`+${sql.ref(column)}` : sql`${sql.ref(column)}`;
}
