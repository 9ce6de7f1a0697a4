import type { Actor } from '../../domain/actors.ts';
import { checkDateRange } from '../../domain/dates.ts';
import type { Entitlement, LineItem } from '../../domain/entitlements.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import type { Scope } from '../../domain/scope.ts';
import { findProduct } from '../../store/catalog.ts';
import { lockLineItem } from '../../store/activations.ts';
import type { Db } from '../../store/database.ts';
import {
  type LineItemRecord,
  activationIdsOf,
  deleteLineItem as deleteStoredLineItem,
  findLineItemRecordById,
  insertLineItems,
  loadEntitlementByPk,
  nextLineItemPosition,
  toLineItem,
  updateLineItemRecord,
} from '../../store/entitlements.ts';
import { isProducer, requireProducer, requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import { invalidateValidations } from '../validation/invalidate.ts';
import { type LineItemInput, newLineItems } from './entitlement-parts.ts';
import { claimEditable, findVisibleEntitlement, findVisibleLineItem } from './find-entitlement.ts';

export async function addLineItem(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  input: LineItemInput,
): Promise<Entitlement> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const entitlement = await findVisibleEntitlement(tx, actor, entitlementId);
    if (entitlement.kind !== 'simple') {
      throw new AppError('UNPROCESSABLE', 'A bulk entitlement has one product and web register keys, not line items.');
    }
    await claimEditable(tx, entitlement, at, 'adding line items');
    const [item] = await newLineItems(tx, {
      entitlementPk: entitlement.pk,
      state: entitlement.state,
      inputs: [input],
      firstPosition: await nextLineItemPosition(tx, entitlement.pk),
      at,
      fieldOf: () => '',
    });
    if (!item) throw new Error('no line item built');
    await unlessDuplicate(insertLineItems(tx, [item]), 'An activation ID is already in use.', '/activationId');
    const after = await loadEntitlementByPk(tx, entitlement.pk);
    const added = after.lineItems.find((li) => li.activationId === item.activationId);
    await audit(tx, actor, at, {
      action: 'line-item.added',
      subjectType: 'line-item',
      subjectId: item.id,
      after: added,
    });
    return after;
  });
}

/** Whether to offer this person edits of line items (draft or test ones; the service checks the state): the producer's. */
export function mayEditLineItems(actor: Actor): boolean {
  return isProducer(actor);
}

export interface UpdateLineItemInput {
  productId?: string | undefined;
  quantity?: number | undefined;
  startDate?: string | null | undefined;
  expirationDate?: string | null | undefined;
}

export async function updateLineItem(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  input: UpdateLineItemInput,
): Promise<LineItem> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const { lineItem, entitlement } = await findVisibleLineItem(tx, actor, activationId);
    await claimEditable(tx, entitlement, at, 'editing line items');
    if (input.productId !== undefined && !(await findProduct(tx, input.productId))) {
      throw unknownReference('/productId', `Product ${input.productId}`);
    }
    const startDate = input.startDate === undefined ? lineItem.startDate : input.startDate;
    const expirationDate = input.expirationDate === undefined ? lineItem.expirationDate : input.expirationDate;
    checkDateRange(startDate, expirationDate);
    // A test entitlement's line item may be activating meanwhile: its count is read under the lock.
    const current = await lockLineItem(tx, lineItem.id);
    const used = current.usedCount;
    if (input.quantity !== undefined && input.quantity < used) {
      throw new AppError('UNPROCESSABLE', `${used} activations are in use; the quantity cannot go below that.`, {
        fields: [{ field: '/quantity', message: `must be at least ${used}` }],
      });
    }
    const before = await lineItemView(tx, current, entitlement.id);
    await updateLineItemRecord(tx, lineItem.id, {
      productId: input.productId,
      quantity: input.quantity,
      startDate,
      expirationDate,
      at,
    });
    const updated = await findLineItemRecordById(tx, lineItem.id);
    if (!updated) throw new Error('line item vanished inside its own transaction');
    const after = await lineItemView(tx, updated, entitlement.id);
    await audit(tx, actor, at, {
      action: 'line-item.updated',
      subjectType: 'line-item',
      subjectId: lineItem.id,
      before,
      after,
    });
    return after;
  });
}

export async function deleteLineItem(ctx: ServiceContext, actor: Actor, activationId: string): Promise<void> {
  requireProducer(actor);
  await inTransaction(ctx, async (tx, at) => {
    const { lineItem, entitlement } = await findVisibleLineItem(tx, actor, activationId);
    await claimEditable(tx, entitlement, at, 'deleting line items');
    if ((await lockLineItem(tx, lineItem.id)).usedCount > 0) {
      throw new AppError('INVALID_STATE', 'The line item has active activations; return them before deleting it.');
    }
    const before = await lineItemView(tx, lineItem, entitlement.id);
    await invalidateValidations(ctx, tx, 'all');
    await deleteStoredLineItem(tx, lineItem.id);
    await audit(tx, actor, at, {
      action: 'line-item.deleted',
      subjectType: 'line-item',
      subjectId: lineItem.id,
      before,
    });
  });
}

export async function getLineItem(ctx: ServiceContext, actor: Actor, activationId: string): Promise<LineItem> {
  requireRole(actor, ['admin', 'operator', 'partner', 'customer']);
  const { lineItem, entitlement } = await findVisibleLineItem(ctx.store.db, actor, activationId);
  return lineItemView(ctx.store.db, lineItem, entitlement.id, scopeOf(actor));
}

/** A line item as `scope` may read it (the parent's activation ID only if it may see the parent). */
export async function lineItemView(
  db: Db,
  item: LineItemRecord,
  entitlementId: string,
  scope: Scope = { kind: 'all' },
): Promise<LineItem> {
  const parents = await activationIdsOf(db, item.parentLineItemId ? [item.parentLineItemId] : [], scope);
  return toLineItem(item, entitlementId, parents);
}
