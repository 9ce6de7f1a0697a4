import { sql } from 'kysely';
import type { EntitlementState } from '../domain/entitlement-states.ts';
import type { LineItemOperation, LineItemTerms } from '../domain/lineage.ts';
import { type PageRequest, decodeCursor, encodeCursor, pageSize } from '../domain/paging.ts';
import type { Db } from './database.ts';
import type { Row } from './schema.ts';

/** A stored version: the terms and who replaced them, with internal keys (the successor's `li_…`). */
export interface LineItemVersionRecord extends LineItemTerms {
  lineItemId: string;
  version: number;
  operation: LineItemOperation;
  at: string;
  actor: string;
  eventId: string;
  successorLineItemId: string | null;
}

/**
 * Raises the line item's version by one in a single conditional statement and answers the number
 * its replaced terms keep: two operations can never keep the same number.
 */
export async function takeVersionNumber(db: Db, lineItemId: string): Promise<number> {
  const row = await db
    .updateTable('line_items')
    .set({ version: sql<number>`version + 1` })
    .where('id', '=', lineItemId)
    .returning('version')
    .executeTakeFirstOrThrow();
  return Number(row.version) - 1;
}

export async function insertLineItemVersion(db: Db, record: LineItemVersionRecord): Promise<void> {
  await db
    .insertInto('line_item_versions')
    .values({
      line_item_id: record.lineItemId,
      version: record.version,
      product_id: record.productId,
      quantity: record.quantity,
      start_date: record.startDate,
      expiration_date: record.expirationDate,
      duration_days: record.durationDays,
      state: record.state,
      operation: record.operation,
      at: record.at,
      actor: record.actor,
      event_id: record.eventId,
      successor_line_item_id: record.successorLineItemId,
    })
    .execute();
}

function toRecord(row: Row<'line_item_versions'>): LineItemVersionRecord {
  return {
    lineItemId: row.line_item_id,
    version: Number(row.version),
    productId: row.product_id,
    quantity: Number(row.quantity),
    startDate: row.start_date,
    expirationDate: row.expiration_date,
    durationDays: row.duration_days === null ? null : Number(row.duration_days),
    state: row.state as EntitlementState,
    operation: row.operation as LineItemOperation,
    at: row.at,
    actor: row.actor,
    eventId: row.event_id,
    successorLineItemId: row.successor_line_item_id,
  };
}

/**
 * A page of a line item's versions below `current` (the line item's version as it was read, so that
 * an operation committed meanwhile does not show half), newest first, and the version just newer
 * than the page's first (undefined when the page starts at the newest: the current terms follow it),
 * so that each version's changes can be told. The cursor is the last version number handed out.
 */
export async function listLineItemVersions(
  db: Db,
  lineItem: { id: string; version: number },
  page: PageRequest,
): Promise<{ items: LineItemVersionRecord[]; newer: LineItemVersionRecord | undefined; nextCursor: string | null }> {
  const limit = pageSize(page);
  const before = decodeCursor(page.cursor, 'sequence');
  let query = db
    .selectFrom('line_item_versions')
    .selectAll()
    .where('line_item_id', '=', lineItem.id)
    .where('version', '<', lineItem.version);
  // The version the cursor names comes along: it is what the page's first version turned into.
  if (before !== undefined) query = query.where('version', '<=', Number(before));
  const rows = (
    await query
      .orderBy('version', 'desc')
      .limit(limit + 2)
      .execute()
  ).map(toRecord);
  const newer = before !== undefined && rows[0]?.version === Number(before) ? rows.shift() : undefined;
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, newer, nextCursor: more && last ? encodeCursor(String(last.version)) : null };
}
