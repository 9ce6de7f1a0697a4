import type { Actor } from '../../domain/actors.ts';
import { generateCode, generateEntitlementId, normalizeCode } from '../../domain/codes.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import {
  lineItemRowsOf,
  loadEntitlement,
  loadEntitlementByPk,
  updateEntitlementRow,
  updateLineItemRow,
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
    const row = await findVisibleEntitlement(tx, actor, id);
    const before = await loadEntitlement(tx, row);
    await claimEditable(tx, row, at, 'regenerating IDs');
    if (row.id_generated === 1) await updateEntitlementRow(tx, row.pk, { id: generateEntitlementId() });
    for (const item of await lineItemRowsOf(tx, row.pk)) {
      if (item.activation_id_generated !== 1) continue;
      const activationId = generateCode();
      await updateLineItemRow(tx, item.id, {
        activation_id: activationId,
        activation_code: normalizeCode(activationId),
        updated_at: at,
      });
    }
    const after = await loadEntitlementByPk(tx, row.pk);
    await audit(tx, actor, at, {
      action: 'entitlement.ids-regenerated',
      subjectType: 'entitlement',
      subjectId: row.pk,
      before,
      after,
    });
    return after;
  });
}
