import { type Actor, actorLabel } from '../../domain/actors.ts';
import type { LineItem } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import type { LineItemOperation, LineItemTerms } from '../../domain/lineage.ts';
import { findLicenseModel, findProduct } from '../../store/catalog.ts';
import { lockLineItem } from '../../store/activations.ts';
import type { Db } from '../../store/database.ts';
import {
  type EntitlementRecord,
  type LineItemRecord,
  activationIdsOf,
  findEntitlementRecordByPk,
  findLineItemRecordById,
  toLineItem,
} from '../../store/entitlements.ts';
import { insertLineItemVersion, takeVersionNumber } from '../../store/line-item-versions.ts';
import { audit } from '../audit.ts';
import { findVisibleLineItem } from '../entitlements/find-entitlement.ts';

/**
 * The line item a lifecycle operation works on: visible to the actor, deployed (its entitlement
 * too), and locked against concurrent activations until the operation commits.
 */
export async function deployedLineItem(
  tx: Db,
  actor: Actor,
  activationId: string,
  operation: string,
): Promise<{ lineItem: LineItemRecord; entitlement: EntitlementRecord }> {
  const found = await findVisibleLineItem(tx, actor, activationId);
  const { entitlement } = found;
  if (found.lineItem.state !== 'deployed' || entitlement.state !== 'deployed') {
    const state =
      entitlement.state !== 'deployed' ? `its entitlement is ${entitlement.state}` : `it is ${found.lineItem.state}`;
    throw new AppError('INVALID_STATE', `${operation} works on deployed line items; ${state}.`);
  }
  const lineItem = await lockLineItem(tx, found.lineItem.id);
  if (lineItem.state !== 'deployed')
    throw new AppError('INVALID_STATE', `The line item changed meanwhile; read it again.`);
  return { lineItem, entitlement };
}

export async function lineItemNow(tx: Db, id: string): Promise<LineItem> {
  const item = await findLineItemRecordById(tx, id);
  const entitlement = item && (await findEntitlementRecordByPk(tx, item.entitlementPk));
  if (!item || !entitlement) throw new Error(`line item ${id} vanished`);
  return toLineItem(
    item,
    entitlement.id,
    await activationIdsOf(tx, item.parentLineItemId ? [item.parentLineItemId] : []),
  );
}

/** The audit action of each operation (`line-item.renewed`…), as webhooks publish it. */
const actions: Record<LineItemOperation, string> = {
  renew: 'line-item.renewed',
  upsell: 'line-item.upsold',
  upgrade: 'line-item.upgraded',
  split: 'line-item.split',
  transfer: 'line-item.transferred',
};

/**
 * One event on each line item an operation touched, so both histories show it; and the terms the
 * operated line item had before, kept as its next version with a reference to the event. Every
 * lifecycle operation ends here, so none can change a line item without leaving a version.
 */
export async function auditLifecycle(
  tx: Db,
  actor: Actor,
  at: string,
  operation: LineItemOperation,
  old: { id: string; before: LineItem; after: LineItem },
  successor?: { id: string; after: LineItem },
  details: Record<string, unknown> = {},
): Promise<void> {
  const action = actions[operation];
  const eventId = await audit(tx, actor, at, {
    action,
    subjectType: 'line-item',
    subjectId: old.id,
    before: old.before,
    after: { ...old.after, ...details, ...(successor && { successorActivationId: successor.after.activationId }) },
  });
  await insertLineItemVersion(tx, {
    lineItemId: old.id,
    version: await takeVersionNumber(tx, old.id),
    ...(await termsOf(tx, old.before)),
    operation,
    at,
    actor: actorLabel(actor),
    eventId,
    successorLineItemId: successor?.id ?? null,
  });
  if (successor) {
    await audit(tx, actor, at, {
      action,
      subjectType: 'line-item',
      subjectId: successor.id,
      after: { ...successor.after, ...details },
    });
  }
}

/** A line item's terms, with the licence lifetime its product's license model gives now. */
export async function termsOf(db: Db, lineItem: LineItem): Promise<LineItemTerms> {
  const product = await findProduct(db, lineItem.productId);
  const model = product && (await findLicenseModel(db, product.licenseModelId));
  return {
    productId: lineItem.productId,
    quantity: lineItem.quantity,
    startDate: lineItem.startDate,
    expirationDate: lineItem.expirationDate,
    durationDays: model?.durationDays ?? null,
    state: lineItem.state,
  };
}
