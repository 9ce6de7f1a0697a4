import type { EntitlementState } from './entitlement-states.ts';

export const entitlementKinds = ['simple', 'bulk'] as const;
export type EntitlementKind = (typeof entitlementKinds)[number];

export const partnerTiers = ['tier1', 'tier2', 'endCustomer'] as const;
export type PartnerTier = (typeof partnerTiers)[number];

export interface ChannelPartner {
  accountId: string;
  tier: PartnerTier;
  contactId: string | null;
}

/**
 * The most a line item may hold, however it got there (created, edited, upsold): far beyond any
 * sale, and with the largest overdraft still inside a 32-bit integer column.
 */
export const MAX_QUANTITY = 1_000_000_000;

export interface LineItem {
  activationId: string;
  entitlementId: string;
  productId: string;
  quantity: number;
  /** Count taken by active activations. */
  activatedCount: number;
  state: EntitlementState;
  startDate: string | null;
  expirationDate: string | null;
  parentActivationId: string | null;
  createdAt: string;
  updatedAt: string;
}

export const registrationPolicies = ['none', 'optional', 'required'] as const;
export type RegistrationPolicy = (typeof registrationPolicies)[number];

export const registrationFields = ['name', 'email', 'company', 'phone', 'country', 'address'] as const;
export type RegistrationField = (typeof registrationFields)[number];

export interface Registration {
  policy: RegistrationPolicy;
  fields: RegistrationField[];
}

export interface WebRegisterKeyCounts {
  total: number;
  unredeemed: number;
  redeemed: number;
  void: number;
}

export interface Entitlement {
  id: string;
  kind: EntitlementKind;
  state: EntitlementState;
  soldTo: string | null;
  description: string | null;
  shipToEmail: string | null;
  shipToAddress: string | null;
  /** Every new licence is mailed to the ship-to address (for a bulk entitlement: of its redeemed keys). */
  emailLicenses: boolean;
  channelPartners: ChannelPartner[];
  lineItems: LineItem[];
  createdAt: string;
  updatedAt: string;
  /** Bulk entitlements only. */
  productId?: string;
  quantityPerKey?: number;
  entitlementIdPattern?: string;
  registration?: Registration;
  keyPrefix?: string | null;
  webRegisterKeys?: WebRegisterKeyCounts;
  parentEntitlementId?: string | null;
  /** Entitlements made by redeeming a web register key. */
  webRegisterKey?: string;
  bulkEntitlementId?: string;
  /** What the redeemer registered, when the bulk entitlement's policy asked for it. */
  registrationData?: Partial<Record<RegistrationField, string>>;
}
