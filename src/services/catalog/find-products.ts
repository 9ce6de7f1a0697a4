import type { Actor } from '../../domain/actors.ts';
import type { Product } from '../../domain/catalog.ts';
import { findProducts as findRows } from '../../store/catalog.ts';
import { requireRole } from '../access.ts';
import type { ServiceContext } from '../context.ts';

const readers = ['admin', 'operator', 'partner', 'customer'] as const;

/** The products among `ids`, by ID, so that a list of line items can name its products in one query. */
export async function findProducts(
  ctx: ServiceContext,
  actor: Actor,
  ids: readonly string[],
): Promise<Map<string, Product>> {
  requireRole(actor, readers);
  const products = await findRows(ctx.store.db, ids);
  return new Map(products.map((p) => [p.id, p]));
}
