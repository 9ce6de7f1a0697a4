import type { Actor } from '../../domain/actors.ts';
import type { AuditEvent } from '../../domain/events.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { lineItemsOf } from '../../store/entitlements.ts';
import { listEvents as listRows } from '../../store/events.ts';
import { isProducer, requireProducer } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { findVisibleEntitlement, findVisibleLineItem } from '../entitlements/find-entitlement.ts';

/** Whether this person may read the audit log (pages leave out the history otherwise): the producer's. */
export function mayReadEvents(actor: Actor): boolean {
  return isProducer(actor);
}

export interface EventListFilter {
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  /** An entitlement's human ID: its own events and those of its line items. */
  entitlement?: string | undefined;
  /** A line item's activation ID: its events, lifecycle operations included. */
  lineItem?: string | undefined;
  action?: string | undefined;
  /** Actions left out, e.g. `signInActions` on the dashboard. */
  exceptActions?: readonly string[] | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export async function listEvents(
  ctx: ServiceContext,
  actor: Actor,
  filter: EventListFilter,
  page: PageRequest,
): Promise<Page<AuditEvent>> {
  requireProducer(actor);
  const db = ctx.store.db;
  let subjectIds = filter.subjectId ? [filter.subjectId] : undefined;
  if (filter.entitlement) {
    const entitlement = await findVisibleEntitlement(db, actor, filter.entitlement);
    const items = await lineItemsOf(db, entitlement.pk);
    const ids = [entitlement.pk, ...items.map((i) => i.id)];
    subjectIds = subjectIds ? subjectIds.filter((id) => ids.includes(id)) : ids;
  }
  if (filter.lineItem) {
    const { lineItem } = await findVisibleLineItem(db, actor, filter.lineItem);
    subjectIds = subjectIds ? subjectIds.filter((id) => id === lineItem.id) : [lineItem.id];
  }
  return listRows(
    db,
    {
      subjectType: filter.subjectType,
      subjectIds,
      action: filter.action,
      exceptActions: filter.exceptActions,
      actor: filter.actor,
      from: filter.from,
      to: filter.to,
    },
    page,
  );
}
