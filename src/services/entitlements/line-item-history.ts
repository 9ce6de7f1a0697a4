import { type Actor, actorSeenBy } from '../../domain/actors.ts';
import type { LineItem } from '../../domain/entitlements.ts';
import { type LineItemTerms, type LineItemVersion, termChanges } from '../../domain/lineage.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { actorAccounts } from '../../store/actor-accounts.ts';
import { activationIdsOf } from '../../store/entitlements.ts';
import { listLineItemVersions } from '../../store/line-item-versions.ts';
import { isProducer, requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { termsOf } from '../lifecycle/lifecycle-parts.ts';
import { findVisibleLineItem } from './find-entitlement.ts';
import { lineItemView } from './line-items.ts';

/** A line item's current terms, with the number of the version they are. */
export interface CurrentTerms extends LineItemTerms {
  version: number;
  /** When the line item last changed. */
  since: string;
}

export interface LineItemHistory extends Page<LineItemVersion> {
  lineItem: LineItem;
  current: CurrentTerms;
}

/**
 * A line item's earlier versions, newest first, and its current terms: read like the line item
 * itself (whoever may read it, scoped the same; anyone else gets 404). A split or transfer names
 * the line item that took over only to a reader who may see that one; who made each operation
 * reads as `actorSeenBy` allows.
 */
export async function getLineItemHistory(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  page: PageRequest,
): Promise<LineItemHistory> {
  requireRole(actor, ['admin', 'operator', 'partner', 'customer']);
  const db = ctx.store.db;
  const scope = scopeOf(actor);
  const { lineItem: record, entitlement } = await findVisibleLineItem(db, actor, activationId);
  const versions = await listLineItemVersions(db, record, page);
  const lineItem = await lineItemView(db, record, entitlement.id, scope);
  const current: CurrentTerms = { ...(await termsOf(db, lineItem)), version: record.version, since: record.updatedAt };
  const successors = await activationIdsOf(
    db,
    versions.items.flatMap((v) => (v.successorLineItemId === null ? [] : [v.successorLineItemId])),
    scope,
  );
  // Who made each operation, as the reader may see it (a partner is not shown the producer's user IDs).
  const accounts = isProducer(actor)
    ? new Map<string, string | null>()
    : await actorAccounts(
        db,
        versions.items.map((v) => v.actor),
      );
  const items = versions.items.map((v, index): LineItemVersion => {
    const next: LineItemTerms = (index === 0 ? versions.newer : versions.items[index - 1]) ?? current;
    const { lineItemId: _, successorLineItemId, ...rest } = v;
    return {
      ...rest,
      actor: isProducer(actor) ? v.actor : actorSeenBy(actor, v.actor, accounts.get(v.actor)),
      successorActivationId: successorLineItemId === null ? null : (successors.get(successorLineItemId) ?? null),
      changes: termChanges(v, next),
    };
  });
  return { lineItem, current, items, nextCursor: versions.nextCursor };
}
