import type { Actor } from '../../domain/actors.ts';
import { generateCode, generateEntitlementId } from '../../domain/codes.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import {
  lineItemsOf,
  loadEntitlement,
  loadEntitlementByPk,
  updateEntitlementRecord,
  updateLineItemRecord,
} from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { claimEditable, findVisibleEntitlement } from './find-entitlement.ts';

/**
 * New IDs for whatever Licentia generated: the entitlement ID and the activation IDs of line items.
 * IDs the producer specified are its own and stay as they are.
 */
export async function regenerateEntitlementIds(ctx: ServiceContext, actor: Actor, id: string): Promise<Entitlement> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const entitlement = await findVisibleEntitlement(tx, actor, id);
    const before = await loadEntitlement(tx, entitlement);
    await claimEditable(tx, entitlement, at, 'regenerating IDs');
    if (entitlement.idGenerated) await updateEntitlementRecord(tx, entitlement.pk, { id: generateEntitlementId() });
    for (const item of await lineItemsOf(tx, entitlement.pk)) {
      if (!item.activationIdGenerated) continue;
      await updateLineItemRecord(tx, item.id, { activationId: generateCode(), at });
    }
    const after = await loadEntitlementByPk(tx, entitlement.pk);
    await audit(tx, actor, at, {
      action: 'entitlement.ids-regenerated',
      subjectType: 'entitlement',
      subjectId: entitlement.pk,
      before,
      after,
    });
    return after;
  });
}
