import type { Actor } from '../../domain/actors.ts';
import type { LineItem } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import { childLineItems } from '../../store/entitlements.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { findVisibleLineItem } from './find-entitlement.ts';
import { getLineItem } from './line-items.ts';

export interface LineItemLineage {
  /** The line item this one was split, transferred or renewed from, when the actor may see it. */
  parent: LineItem | null;
  /** It came from another line item that the actor may not see (a partner's, split to its customer). */
  parentHidden: boolean;
  /** The line items that took over (part of) this one, those the actor may see, oldest first. */
  children: LineItem[];
}

/**
 * Where a line item came from and where its quantity went. Each side is scoped like any other read:
 * a partner's customer sees the line item it was given, not the partner's own one it came from.
 */
export async function getLineItemLineage(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
): Promise<LineItemLineage> {
  requireRole(actor, ['admin', 'operator', 'partner', 'customer']);
  const { lineItem } = await findVisibleLineItem(ctx.store.db, actor, activationId);
  const self = await getLineItem(ctx, actor, activationId);
  const parent = self.parentActivationId === null ? null : await visibleLineItem(ctx, actor, self.parentActivationId);
  return {
    parent,
    parentHidden: parent === null && lineItem.parentLineItemId !== null,
    children: await childLineItems(ctx.store.db, lineItem.id, scopeOf(actor)),
  };
}

async function visibleLineItem(ctx: ServiceContext, actor: Actor, activationId: string): Promise<LineItem | null> {
  try {
    return await getLineItem(ctx, actor, activationId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}
