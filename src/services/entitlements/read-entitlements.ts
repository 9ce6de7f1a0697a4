import type { Actor } from '../../domain/actors.ts';
import type { EntitlementState } from '../../domain/entitlement-states.ts';
import type { Entitlement, EntitlementKind } from '../../domain/entitlements.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { listEntitlements as listRows, loadEntitlement } from '../../store/entitlements.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { findVisibleEntitlement } from './find-entitlement.ts';

const readers = ['admin', 'operator', 'partner', 'customer'] as const;

export async function getEntitlement(ctx: ServiceContext, actor: Actor, id: string): Promise<Entitlement> {
  requireRole(actor, readers);
  return loadEntitlement(ctx.store.db, await findVisibleEntitlement(ctx.store.db, actor, id), scopeOf(actor));
}

export interface EntitlementListFilter {
  state?: EntitlementState | undefined;
  kind?: EntitlementKind | undefined;
  account?: string | undefined;
  productId?: string | undefined;
}

export async function listEntitlements(
  ctx: ServiceContext,
  actor: Actor,
  filter: EntitlementListFilter,
  page: PageRequest,
): Promise<Page<Entitlement>> {
  requireRole(actor, readers);
  return listRows(
    ctx.store.db,
    scopeOf(actor),
    { state: filter.state, kind: filter.kind, accountId: filter.account, productId: filter.productId },
    page,
  );
}
