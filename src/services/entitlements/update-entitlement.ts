import type { Actor } from '../../domain/actors.ts';
import { checkEntitlementIdPattern, checkRegistrationPolicy } from '../../domain/bulk.ts';
import type { Entitlement, Registration } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import {
  loadEntitlement,
  loadEntitlementByPk,
  replacePartners,
  updateEntitlementRow,
} from '../../store/entitlements.ts';
import type { RowUpdate } from '../../store/schema.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import {
  type ChannelPartnerInput,
  requireAccount,
  requireStockProduct,
  resolveBulkChannelPartners,
  resolveChannelPartners,
  tier1Of,
} from './entitlement-parts.ts';
import { claimEditable, findVisibleEntitlement } from './find-entitlement.ts';

export interface UpdateEntitlementInput {
  soldTo?: string | undefined;
  description?: string | null | undefined;
  shipToEmail?: string | null | undefined;
  shipToAddress?: string | null | undefined;
  channelPartners?: ChannelPartnerInput[] | undefined;
  /** Bulk entitlements only. */
  productId?: string | undefined;
  quantityPerKey?: number | undefined;
  entitlementIdPattern?: string | undefined;
  registration?: Registration | undefined;
  keyPrefix?: string | null | undefined;
}

const bulkOnly = ['productId', 'quantityPerKey', 'entitlementIdPattern', 'registration', 'keyPrefix'] as const;

export async function updateEntitlement(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateEntitlementInput,
): Promise<Entitlement> {
  requireProducer(actor);
  if (input.entitlementIdPattern !== undefined) checkEntitlementIdPattern(input.entitlementIdPattern);
  if (input.registration !== undefined) checkRegistrationPolicy(input.registration);
  return inTransaction(ctx, async (tx, at) => {
    const row = await findVisibleEntitlement(tx, actor, id);
    const before = await loadEntitlement(tx, row);
    await claimEditable(tx, row, at, 'editing');
    const changes: RowUpdate<'entitlements'> = {
      ...(input.description !== undefined && { description: input.description }),
      ...(input.shipToEmail !== undefined && { ship_to_email: input.shipToEmail }),
      ...(input.shipToAddress !== undefined && { ship_to_address: input.shipToAddress }),
      updated_at: at,
    };
    if (row.kind === 'simple') {
      const misplaced = bulkOnly.filter((field) => input[field] !== undefined);
      if (misplaced.length > 0) {
        throw new AppError('UNPROCESSABLE', 'Those fields belong to bulk entitlements.', {
          fields: misplaced.map((field) => ({ field: `/${field}`, message: 'bulk entitlements only' })),
        });
      }
      if (input.soldTo !== undefined) {
        await requireAccount(tx, input.soldTo, '/soldTo');
        changes.sold_to = input.soldTo;
      }
      if (input.channelPartners !== undefined)
        await replacePartners(tx, row.pk, await resolveChannelPartners(tx, input.channelPartners));
    } else {
      if (input.soldTo !== undefined) {
        throw new AppError(
          'UNPROCESSABLE',
          'A bulk entitlement is sold to its tier-1 partner; change the channel partners instead.',
          {
            fields: [{ field: '/soldTo', message: 'set by the tier1 channel partner' }],
          },
        );
      }
      if (input.productId !== undefined) {
        await requireStockProduct(tx, input.productId, '/productId');
        changes.product_id = input.productId;
      }
      if (input.quantityPerKey !== undefined) changes.quantity_per_key = input.quantityPerKey;
      if (input.entitlementIdPattern !== undefined) changes.entitlement_id_pattern = input.entitlementIdPattern;
      if (input.registration !== undefined) changes.registration = JSON.stringify(input.registration);
      if (input.keyPrefix !== undefined) changes.key_prefix = input.keyPrefix;
      if (input.channelPartners !== undefined) {
        const partners = await resolveBulkChannelPartners(tx, input.channelPartners);
        await replacePartners(tx, row.pk, partners);
        changes.sold_to = tier1Of(partners);
      }
    }
    await updateEntitlementRow(tx, row.pk, changes);
    const after = await loadEntitlementByPk(tx, row.pk);
    await audit(tx, actor, at, {
      action: 'entitlement.updated',
      subjectType: 'entitlement',
      subjectId: row.pk,
      before,
      after,
    });
    return after;
  });
}
