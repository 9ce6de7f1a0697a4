import type { Actor } from '../../domain/actors.ts';
import type { EntitlementState } from '../../domain/entitlement-states.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { listEntitlements } from '../../store/entitlements.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { findVisibleBulkEntitlement } from './find-bulk-entitlement.ts';
import { keyReaders } from './read-web-register-keys.ts';

/**
 * The bulk entitlements an actor holds as stock: for a partner those it was sold (tier 1) or
 * was split (tier 2), for the producer all of them. Customers hold no stock.
 */
export async function listBulkStock(
  ctx: ServiceContext,
  actor: Actor,
  filter: { state?: EntitlementState | undefined },
  page: PageRequest,
): Promise<Page<Entitlement>> {
  requireRole(actor, keyReaders);
  return listEntitlements(ctx.store.db, scopeOf(actor), { kind: 'bulk', state: filter.state }, page);
}

/** The bulk entitlements split from this one that the actor may see: where its keys went. */
export async function listStockSplits(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  page: PageRequest,
): Promise<Page<Entitlement>> {
  requireRole(actor, keyReaders);
  const db = ctx.store.db;
  const bulk = await findVisibleBulkEntitlement(db, actor, entitlementId);
  return listEntitlements(db, scopeOf(actor), { kind: 'bulk', parentEntitlementPk: bulk.pk }, page);
}
