import type { Account } from '../../domain/accounts.ts';
import { generateCode, isValidCode } from '../../domain/codes.ts';
import { checkDateRange } from '../../domain/dates.ts';
import type { EntitlementState } from '../../domain/entitlement-states.ts';
import type { ChannelPartner, PartnerTier } from '../../domain/entitlements.ts';
import { AppError, invalidField, unknownReference } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount, findContact } from '../../store/accounts.ts';
import { findProduct } from '../../store/catalog.ts';
import type { Db } from '../../store/database.ts';
import type { NewLineItem } from '../../store/entitlements.ts';
import { assertCodesFree } from '../codes.ts';

export interface ChannelPartnerInput {
  accountId: string;
  tier: PartnerTier;
  contactId?: string | null | undefined;
}

export interface LineItemInput {
  activationId?: string | undefined;
  productId: string;
  quantity: number;
  startDate?: string | null | undefined;
  expirationDate?: string | null | undefined;
}

export async function requireAccount(tx: Db, accountId: string, field: string): Promise<Account> {
  const account = await findAccount(tx, accountId);
  if (!account) throw unknownReference(field, `Account ${accountId}`);
  return account;
}

/**
 * Channel partners name existing accounts, one per tier; the tier-1 and tier-2 partners are
 * partner accounts, and a contact given for one belongs to that account.
 */
export async function resolveChannelPartners(tx: Db, inputs: ChannelPartnerInput[]): Promise<ChannelPartner[]> {
  const tiers = new Set<PartnerTier>();
  const partners: ChannelPartner[] = [];
  for (const [index, input] of inputs.entries()) {
    const field = `/channelPartners/${index}`;
    if (tiers.has(input.tier)) throw invalidField(`${field}/tier`, `tier ${input.tier} is given twice`);
    tiers.add(input.tier);
    const account = await requireAccount(tx, input.accountId, `${field}/accountId`);
    if (input.tier !== 'endCustomer' && account.type !== 'partner') {
      throw new AppError('UNPROCESSABLE', `A ${input.tier} channel partner must be a partner account.`, {
        fields: [{ field: `${field}/accountId`, message: 'is not a partner account' }],
      });
    }
    const contactId = input.contactId ?? null;
    if (contactId !== null) {
      const contact = await findContact(tx, contactId);
      if (!contact) throw unknownReference(`${field}/contactId`, `Contact ${contactId}`);
      if (contact.accountId !== account.id) {
        throw new AppError('UNPROCESSABLE', `Contact ${contactId} does not belong to account ${account.id}.`, {
          fields: [{ field: `${field}/contactId`, message: 'belongs to another account' }],
        });
      }
    }
    partners.push({ accountId: account.id, tier: input.tier, contactId });
  }
  return partners;
}

/** Builds new line items: products exist, dates make sense, activation IDs are valid and unused. */
export async function newLineItems(
  tx: Db,
  options: {
    entitlementPk: string;
    state: EntitlementState;
    inputs: LineItemInput[];
    firstPosition: number;
    at: string;
    /** Where line item `index` sits in the request, for error messages. */
    fieldOf: (index: number) => string;
  },
): Promise<NewLineItem[]> {
  const items: NewLineItem[] = [];
  for (const [index, input] of options.inputs.entries()) {
    const field = options.fieldOf(index);
    if (!(await findProduct(tx, input.productId)))
      throw unknownReference(`${field}/productId`, `Product ${input.productId}`);
    const startDate = input.startDate ?? null;
    const expirationDate = input.expirationDate ?? null;
    checkDateRange(startDate, expirationDate, field);
    const specified = input.activationId !== undefined;
    if (specified && !isValidCode(input.activationId ?? '')) {
      throw invalidField(`${field}/activationId`, 'must be 4 to 64 characters of A-Z a-z 0-9 . _ -');
    }
    const activationId = specified ? (input.activationId ?? '').toUpperCase() : generateCode();
    items.push({
      id: newId('lineItem'),
      entitlementPk: options.entitlementPk,
      position: options.firstPosition + index,
      activationId,
      activationIdGenerated: !specified,
      productId: input.productId,
      quantity: input.quantity,
      startDate,
      expirationDate,
      state: options.state,
      at: options.at,
    });
  }
  await assertCodesFree(
    tx,
    items.map((item, index) => ({ activationId: item.activationId, field: `${options.fieldOf(index)}/activationId` })),
  );
  return items;
}

/**
 * A bulk entitlement is stock sold to one partner: its tier-1 partner, which is also its end
 * customer (FlexNet's convention, DESIGN.md §1). The end customer entry is added when left out;
 * a tier-2 partner (a reseller the stock was split to) may be named besides.
 */
export async function resolveBulkChannelPartners(tx: Db, inputs: ChannelPartnerInput[]): Promise<ChannelPartner[]> {
  const tier1 = inputs.find((p) => p.tier === 'tier1');
  if (!tier1) {
    throw new AppError('VALIDATION_FAILED', 'A bulk entitlement is sold to a tier-1 partner.', {
      fields: [{ field: '/channelPartners', message: 'needs a tier1 partner' }],
    });
  }
  const endCustomerIndex = inputs.findIndex((p) => p.tier === 'endCustomer');
  const endCustomer = inputs[endCustomerIndex];
  if (endCustomer && endCustomer.accountId !== tier1.accountId) {
    throw new AppError(
      'UNPROCESSABLE',
      'On a bulk entitlement the tier-1 partner and the end customer are the same account.',
      {
        fields: [{ field: `/channelPartners/${endCustomerIndex}/accountId`, message: 'must be the tier1 partner' }],
      },
    );
  }
  const withEndCustomer = endCustomer
    ? inputs
    : [...inputs, { accountId: tier1.accountId, tier: 'endCustomer' as const }];
  return resolveChannelPartners(tx, withEndCustomer);
}

export function tier1Of(partners: ChannelPartner[]): string {
  const tier1 = partners.find((p) => p.tier === 'tier1');
  if (!tier1) throw new Error('bulk entitlement without a tier-1 partner');
  return tier1.accountId;
}
