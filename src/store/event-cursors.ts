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
