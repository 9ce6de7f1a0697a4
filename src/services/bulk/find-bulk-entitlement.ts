import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import type { Db } from '../../store/database.ts';
import type { EntitlementRecord } from '../../store/entitlements.ts';
import { findVisibleEntitlement } from '../entitlements/find-entitlement.ts';

/** A bulk entitlement the actor may see; a simple one named here is a clear 422. */
export async function findVisibleBulkEntitlement(tx: Db, actor: Actor, id: string): Promise<EntitlementRecord> {
  const entitlement = await findVisibleEntitlement(tx, actor, id);
  if (entitlement.kind !== 'bulk') {
    throw new AppError(
      'UNPROCESSABLE',
      `Entitlement ${id} is a simple entitlement; web register keys belong to bulk entitlements.`,
    );
  }
  return entitlement;
}
