import { type PostalAddressInput, postalAddressOf } from '../../domain/entitlements.ts';
import type { Actor } from '../../domain/actors.ts';
import {
  DEFAULT_ENTITLEMENT_ID_PATTERN,
  checkEntitlementIdPattern,
  checkRegistrationPolicy,
  noRegistration,
} from '../../domain/bulk.ts';
import { generateEntitlementId } from '../../domain/codes.ts';
import type { Entitlement, Registration } from '../../domain/entitlements.ts';

import { newId } from '../../domain/ids.ts';
import {
  type NewEntitlement,
  insertEntitlement,
  insertLineItems,
  loadEntitlementByPk,
} from '../../store/entitlements.ts';
import { isProducer, requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import {
  type ChannelPartnerInput,
  type LineItemInput,
  newLineItems,
  requireAccount,
  requireStockProduct,
  resolveBulkChannelPartners,
  resolveChannelPartners,
  tier1Of,
} from './entitlement-parts.ts';

interface CommonInput {
  id?: string | undefined;
  state?: 'draft' | 'test' | undefined;
  description?: string | null | undefined;
  shipToEmail?: string | null | undefined;
  shipToAddress?: PostalAddressInput | null | undefined;
  emailLicenses?: boolean | undefined;
}

export interface CreateSimpleEntitlementInput extends CommonInput {
  kind: 'simple';
  soldTo: string;
  channelPartners?: ChannelPartnerInput[] | undefined;
  lineItems: LineItemInput[];
}

/** Stock sold to a partner: one product, and web register keys loaded later. */
export interface CreateBulkEntitlementInput extends CommonInput {
  kind: 'bulk';
  productId: string;
  quantityPerKey?: number | undefined;
  entitlementIdPattern?: string | undefined;
  registration?: Registration | undefined;
  keyPrefix?: string | null | undefined;
  channelPartners: ChannelPartnerInput[];
}

export type CreateEntitlementInput = CreateSimpleEntitlementInput | CreateBulkEntitlementInput;

/**
 * Whether to offer this person making, editing, moving, regenerating and deleting entitlements: the
 * producer's (`createEntitlement`, `updateEntitlement`, `changeEntitlementState`,
 * `regenerateEntitlementIds` and `deleteEntitlement` require it).
 */
export function mayManageEntitlements(actor: Actor): boolean {
  return isProducer(actor);
}

export async function createEntitlement(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateEntitlementInput,
): Promise<Entitlement> {
  requireProducer(actor);
  if (input.kind === 'bulk') {
    checkEntitlementIdPattern(input.entitlementIdPattern ?? DEFAULT_ENTITLEMENT_ID_PATTERN);
    checkRegistrationPolicy(input.registration ?? noRegistration);
  }
  return inTransaction(ctx, async (tx, at) => {
    const pk = newId('entitlement');
    const state = input.state ?? 'draft';
    const id = input.id ?? generateEntitlementId();
    const common = {
      pk,
      id,
      idGenerated: input.id === undefined,
      kind: input.kind,
      state,
      description: input.description ?? null,
      shipToEmail: input.shipToEmail ?? null,
      shipToAddress: postalAddressOf(input.shipToAddress ?? null),
      emailLicenses: input.emailLicenses ?? false,
      at,
    };
    let entitlement: NewEntitlement;
    let partners: Awaited<ReturnType<typeof resolveChannelPartners>>;
    if (input.kind === 'simple') {
      await requireAccount(tx, input.soldTo, '/soldTo');
      partners = await resolveChannelPartners(tx, input.channelPartners ?? []);
      entitlement = { ...common, soldTo: input.soldTo };
    } else {
      await requireStockProduct(tx, input.productId, '/productId');
      partners = await resolveBulkChannelPartners(tx, input.channelPartners);
      entitlement = {
        ...common,
        soldTo: tier1Of(partners),
        productId: input.productId,
        quantityPerKey: input.quantityPerKey ?? 1,
        entitlementIdPattern: input.entitlementIdPattern ?? DEFAULT_ENTITLEMENT_ID_PATTERN,
        registration: input.registration ?? noRegistration,
        keyPrefix: input.keyPrefix ?? null,
      };
    }
    await unlessDuplicate(insertEntitlement(tx, entitlement, partners), `Entitlement ${id} already exists.`, '/id');
    if (input.kind === 'simple') {
      const lineItems = await newLineItems(tx, {
        entitlementPk: pk,
        state,
        inputs: input.lineItems,
        firstPosition: 0,
        at,
        fieldOf: (index) => `/lineItems/${index}`,
      });
      // The check above cannot see a concurrent request's uncommitted line items; the unique index can.
      await unlessDuplicate(insertLineItems(tx, lineItems), 'An activation ID is already in use.', '/lineItems');
    }
    const created = await loadEntitlementByPk(tx, pk);
    await audit(tx, actor, at, {
      action: 'entitlement.created',
      subjectType: 'entitlement',
      subjectId: pk,
      after: created,
    });
    return created;
  });
}
