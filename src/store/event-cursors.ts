import { sql } from 'kysely';
import type { Db } from './database.ts';

/** How far a reader of the audit log has come: the position of the last event it took, and its id. */
export interface EventCursor {
  position: number;
  eventId: string | null;
}

export async function readEventCursor(db: Db, name: string): Promise<EventCursor | undefined> {
  const row = await db
    .selectFrom('event_cursors')
    .select(['position', 'event_id'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row && { position: Number(row.position), eventId: row.event_id };
}

/**
 * Moves the cursor from `from` to `to`, only if it is still at `from` (a conditional update, so
 * that two readers never both take the same events); creates it when `from` is undefined.
 * Answers whether it moved.
 */
export async function moveEventCursor(
  db: Db,
  name: string,
  from: EventCursor | undefined,
  to: EventCursor,
  at: string,
): Promise<boolean> {
  if (!from) {
    const inserted = await db
      .insertInto('event_cursors')
      .values({ name, position: to.position, event_id: to.eventId, updated_at: at })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  const moved = await db
    .updateTable('event_cursors')
    .set({ position: to.position, event_id: to.eventId, updated_at: at })
    .where('name', '=', name)
    .where('position', '=', from.position)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) > 0;
}

/**
 * SQLite: how many events the reader `name` has not taken yet, and when the first of them was
 * made. Events are never deleted, so rowids have no gaps and the count is a difference.
 */
export async function eventsBehind(db: Db, name: string): Promise<{ depth: number; oldestAt: string | null }> {
  const position = (await readEventCursor(db, name))?.position ?? 0;
  const last = await db.selectFrom('events').select(sql<number | null>`max(rowid)`.as('position')).executeTakeFirst();
  const depth = Math.max(0, Number(last?.position ?? 0) - position);
  if (depth === 0) return { depth, oldestAt: null };
  const first = await db
    .selectFrom('events')
    .select('at')
    .where(sql<boolean>`rowid > ${position}`)
    .orderBy(sql`rowid`)
    .limit(1)
    .executeTakeFirst();
  return { depth, oldestAt: first?.at ?? null };
}
