import type { Actor } from '../../domain/actors.ts';
import { checkEntitlementIdPattern, checkRegistrationPolicy } from '../../domain/bulk.ts';
import type { Entitlement, Registration } from '../../domain/entitlements.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { findProduct } from '../../store/catalog.ts';
import {
  loadEntitlement,
  loadEntitlementByPk,
  replacePartners,
  type EntitlementChanges,
  updateEntitlementRecord,
} from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import {
  type ChannelPartnerInput,
  requireAccount,
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
  emailLicenses?: boolean | undefined;
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
    const entitlement = await findVisibleEntitlement(tx, actor, id);
    const before = await loadEntitlement(tx, entitlement);
    await claimEditable(tx, entitlement, at, 'editing');
    const changes: EntitlementChanges = {
      description: input.description,
      shipToEmail: input.shipToEmail,
      shipToAddress: input.shipToAddress,
      emailLicenses: input.emailLicenses,
      at,
    };
    if (entitlement.kind === 'simple') {
      const misplaced = bulkOnly.filter((field) => input[field] !== undefined);
      if (misplaced.length > 0) {
        throw new AppError('UNPROCESSABLE', 'Those fields belong to bulk entitlements.', {
          fields: misplaced.map((field) => ({ field: `/${field}`, message: 'bulk entitlements only' })),
        });
      }
      if (input.soldTo !== undefined) {
        await requireAccount(tx, input.soldTo, '/soldTo');
        changes.soldTo = input.soldTo;
      }
      if (input.channelPartners !== undefined)
        await replacePartners(tx, entitlement.pk, await resolveChannelPartners(tx, input.channelPartners));
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
        if (!(await findProduct(tx, input.productId)))
          throw unknownReference('/productId', `Product ${input.productId}`);
        changes.productId = input.productId;
      }
      changes.quantityPerKey = input.quantityPerKey;
      changes.entitlementIdPattern = input.entitlementIdPattern;
      changes.registration = input.registration;
      changes.keyPrefix = input.keyPrefix;
      if (input.channelPartners !== undefined) {
        const partners = await resolveBulkChannelPartners(tx, input.channelPartners);
        await replacePartners(tx, entitlement.pk, partners);
        changes.soldTo = tier1Of(partners);
      }
    }
    await updateEntitlementRecord(tx, entitlement.pk, changes);
    const after = await loadEntitlementByPk(tx, entitlement.pk);
    await audit(tx, actor, at, {
      action: 'entitlement.updated',
      subjectType: 'entitlement',
      subjectId: entitlement.pk,
      before,
      after,
    });
    return after;
  });
}
