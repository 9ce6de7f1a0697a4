import { sql } from 'kysely';
import type { Db } from './database.ts';
import { recountActivation, uncountActivation } from './report-counters.ts';

/**
 * The conditional updates behind lifecycle operations on deployed line items. Each checks, in the
 * statement itself, that the line item is still deployed and that its count holds, so a
 * concurrent activation or operation cannot slip between a read and this write.
 */

/** Takes `n` of the not-activated quantity away (a split); every activated unit stays. */
export async function reduceQuantity(db: Db, lineItemId: string, n: number, at: string): Promise<boolean> {
  const result = await db
    .updateTable('line_items')
    .set({ quantity: sql`quantity - ${n}`, updated_at: at })
    .where('id', '=', lineItemId)
    .where('state', '=', 'deployed')
    .where(sql<boolean>`quantity - ${n} >= used_count`)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function addQuantity(db: Db, lineItemId: string, n: number, at: string): Promise<boolean> {
  const result = await db
    .updateTable('line_items')
    .set({ quantity: sql`quantity + ${n}`, updated_at: at })
    .where('id', '=', lineItemId)
    .where('state', '=', 'deployed')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function setExpiration(
  db: Db,
  lineItemId: string,
  expirationDate: string | null,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('line_items')
    .set({ expiration_date: expirationDate, updated_at: at })
    .where('id', '=', lineItemId)
    .where('state', '=', 'deployed')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function setProduct(db: Db, lineItemId: string, productId: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('line_items')
    .set({ product_id: productId, updated_at: at })
    .where('id', '=', lineItemId)
    .where('state', '=', 'deployed')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Closes a transferred line item: obsolete, its count handed over (zero). Only while it is still
 * deployed and its count is still `expectedUsed`: an activation that raced the transfer fails it.
 */
export async function closeTransferred(db: Db, lineItemId: string, expectedUsed: number, at: string): Promise<boolean> {
  const result = await db
    .updateTable('line_items')
    .set({ state: 'obsolete', used_count: 0, updated_at: at })
    .where('id', '=', lineItemId)
    .where('state', '=', 'deployed')
    .where('used_count', '=', expectedUsed)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function setUsedCount(db: Db, lineItemId: string, used: number): Promise<void> {
  await db.updateTable('line_items').set({ used_count: used }).where('id', '=', lineItemId).execute();
}

export async function activeActivationsOf(db: Db, lineItemId: string) {
  return db
    .selectFrom('activations')
    .select(['id', 'fingerprint', 'count', 'device_id'])
    .where('line_item_id', '=', lineItemId)
    .where('state', '=', sql.lit('active'))
    .execute();
}

export async function moveActivation(
  db: Db,
  activationId: string,
  to: { lineItemId: string; entitlementPk: string; accountId: string; deviceId: string },
): Promise<void> {
  // The account is a billing key: its counts move with it.
  await uncountActivation(db, activationId);
  await db
    .updateTable('activations')
    .set({
      line_item_id: to.lineItemId,
      entitlement_pk: to.entitlementPk,
      account_id: to.accountId,
      device_id: to.deviceId,
    })
    .where('id', '=', activationId)
    .execute();
  await recountActivation(db, activationId);
}

/** Live floating leases follow a transferred line item. */
export async function moveLiveLeases(
  db: Db,
  fromLineItemId: string,
  toLineItemId: string,
  now: string,
): Promise<number> {
  const result = await db
    .updateTable('leases')
    .set({ line_item_id: toLineItemId })
    .where('line_item_id', '=', fromLineItemId)
    .where('released_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
