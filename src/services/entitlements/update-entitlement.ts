import type { Actor } from '../../domain/actors.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import { loadEntitlement, loadEntitlementByPk, replacePartners, updateEntitlementRow } from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { type ChannelPartnerInput, requireAccount, resolveChannelPartners } from './entitlement-parts.ts';
import { claimEditable, findVisibleEntitlement } from './find-entitlement.ts';

export interface UpdateEntitlementInput {
  soldTo?: string | undefined;
  description?: string | null | undefined;
  shipToEmail?: string | null | undefined;
  shipToAddress?: string | null | undefined;
  channelPartners?: ChannelPartnerInput[] | undefined;
}

export async function updateEntitlement(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateEntitlementInput,
): Promise<Entitlement> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const row = await findVisibleEntitlement(tx, actor, id);
    const before = await loadEntitlement(tx, row);
    await claimEditable(tx, row, at, 'editing');
    if (input.soldTo !== undefined) await requireAccount(tx, input.soldTo, '/soldTo');
    await updateEntitlementRow(tx, row.pk, {
      ...(input.soldTo !== undefined && { sold_to: input.soldTo }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.shipToEmail !== undefined && { ship_to_email: input.shipToEmail }),
      ...(input.shipToAddress !== undefined && { ship_to_address: input.shipToAddress }),
      updated_at: at,
    });
    if (input.channelPartners !== undefined) {
      await replacePartners(tx, row.pk, await resolveChannelPartners(tx, input.channelPartners));
    }
    const after = await loadEntitlementByPk(tx, row.pk);
    await audit(tx, actor, at, { action: 'entitlement.updated', subjectType: 'entitlement', subjectId: row.pk, before, after });
    return after;
  });
}
