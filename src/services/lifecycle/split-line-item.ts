import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { insertLineItems, nextLineItemPosition } from '../../store/entitlements.ts';
import { reduceQuantity } from '../../store/lifecycle.ts';
import { hasRole, requireRole } from '../access.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { auditLifecycle, deployedLineItem, lineItemNow } from './lifecycle-parts.ts';
import { type LifecycleResult, successorElsewhere, successorLineItem, targetAccount } from './transfer-line-item.ts';

export interface SplitInput {
  /** How much of the not-activated quantity moves to the new line item. */
  quantity: number;
  /** Another account for the new line item (a partner: one of its customers); by default the same owner. */
  accountId?: string | undefined;
  entitlementId?: string | undefined;
}

/** Who may split line items: the producer, and partners (to their customers). */
const splitRoles = ['admin', 'operator', 'partner'] as const;

/** Whether to offer this person splits; the line item's scope and state decide the rest. */
export function maySplitLineItems(actor: Actor): boolean {
  return hasRole(actor, splitRoles);
}

/** Moves part of a line item's free quantity to a new line item, with lineage to the old one. */
export async function splitLineItem(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  input: SplitInput,
): Promise<LifecycleResult> {
  requireRole(actor, splitRoles);
  return inTransaction(ctx, async (tx, at) => {
    const { lineItem, entitlement } = await deployedLineItem(tx, actor, activationId, 'A split');
    const owner =
      input.accountId === undefined
        ? entitlement.soldTo
        : await targetAccount(tx, actor, input.accountId, '/accountId');
    const before = await lineItemNow(tx, lineItem.id);
    if (!(await reduceQuantity(tx, lineItem.id, input.quantity, at))) {
      const free = lineItem.quantity - Math.max(lineItem.usedCount, 1);
      throw new AppError(
        'UNPROCESSABLE',
        `At most ${Math.max(free, 0)} of this line item can be split off (one unit and every activated one stay).`,
        {
          fields: [{ field: '/quantity', message: `at most ${Math.max(free, 0)}` }],
        },
      );
    }
    let successorId: string;
    if (owner === entitlement.soldTo && input.entitlementId === undefined) {
      const successor = successorLineItem(
        entitlement.pk,
        await nextLineItemPosition(tx, entitlement.pk),
        lineItem,
        input.quantity,
        at,
      );
      await insertLineItems(tx, [successor]);
      successorId = successor.id;
    } else {
      const { successor } = await successorElsewhere(
        tx,
        at,
        entitlement,
        lineItem,
        owner ?? '',
        input.quantity,
        input.entitlementId,
      );
      successorId = successor.id;
    }
    const after = await lineItemNow(tx, lineItem.id);
    const created = await lineItemNow(tx, successorId);
    await auditLifecycle(
      tx,
      actor,
      at,
      'split',
      { id: lineItem.id, before, after },
      { id: successorId, after: created },
      { quantity: input.quantity },
    );
    return { lineItem: after, newLineItem: created, entitlementId: created.entitlementId };
  });
}
