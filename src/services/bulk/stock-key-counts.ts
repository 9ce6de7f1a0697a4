import type { Actor } from '../../domain/actors.ts';
import { type StockCounts, stockCounts } from '../../store/entitlements.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';

export interface StockKeyCounts {
  bulkEntitlements: number;
  total: number;
  /** Unredeemed keys of deployed bulk entitlements: what can be sold and redeemed now. */
  inStock: number;
  /** Unredeemed keys of bulk entitlements that are not deployed (draft, test, suspended, obsolete). */
  notOnSale: number;
  redeemed: number;
  void: number;
  byState: StockCounts[];
}

/**
 * Web register key counts across all the stock the actor can see: the producer's whole stock, a
 * partner's own bulk entitlements. Keys are stock, so customers have none to count.
 */
export async function stockKeyCounts(ctx: ServiceContext, actor: Actor): Promise<StockKeyCounts> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  const byState = await stockCounts(ctx.store.db, scopeOf(actor));
  const sum = (pick: (c: StockCounts) => number, rows = byState) => rows.reduce((n, c) => n + pick(c), 0);
  const deployed = byState.filter((c) => c.state === 'deployed');
  return {
    bulkEntitlements: sum((c) => c.bulkEntitlements),
    total: sum((c) => c.total),
    inStock: sum((c) => c.unredeemed, deployed),
    notOnSale: sum((c) => c.unredeemed) - sum((c) => c.unredeemed, deployed),
    redeemed: sum((c) => c.redeemed),
    void: sum((c) => c.void),
    byState,
  };
}
