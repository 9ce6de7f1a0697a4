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
  shipToAddress: PostalAddress | null;
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

/** A ship-to postal address in fields, as FlexNet's "ship to mail" is used. */
export interface PostalAddress {
  /** Street, building, department: one line each. */
  lines: string[];
  city: string | null;
  postalCode: string | null;
  region: string | null;
  /** ISO 3166-1 alpha-2, e.g. `DE`. */
  country: string | null;
}

/**
 * An address as stored: JSON of its fields. Addresses stored before they had fields were one free
 * text; they are read as lines, so that nothing stored becomes unreadable.
 */
export function readPostalAddress(stored: string | null): PostalAddress | null {
  if (stored === null) return null;
  if (stored.startsWith('{')) {
    try {
      const value = JSON.parse(stored) as Partial<PostalAddress>;
      if (Array.isArray(value.lines)) {
        return {
          lines: value.lines.filter((l): l is string => typeof l === 'string'),
          city: value.city ?? null,
          postalCode: value.postalCode ?? null,
          region: value.region ?? null,
          country: value.country ?? null,
        };
      }
    } catch {
      // Free text that happens to start with a brace: read below, as text.
    }
  }
  return addressFromText(stored);
}

export function writePostalAddress(address: PostalAddress | null): string | null {
  return address === null ? null : JSON.stringify(address);
}

/** Free text (an old client, or one block typed in a form): its non-empty lines. */
export function addressFromText(text: string): PostalAddress {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { lines, city: null, postalCode: null, region: null, country: null };
}

/** What a caller may send: the fields, or (as before they existed) one free text. */
export type PostalAddressInput =
  | string
  | {
      lines?: string[] | undefined;
      city?: string | null | undefined;
      postalCode?: string | null | undefined;
      region?: string | null | undefined;
      country?: string | null | undefined;
    };

export function postalAddressOf(input: PostalAddressInput | null): PostalAddress | null {
  if (input === null) return null;
  if (typeof input === 'string') return input.trim() === '' ? null : addressFromText(input);
  return {
    lines: (input.lines ?? []).map((l) => l.trim()).filter((l) => l !== ''),
    city: input.city ?? null,
    postalCode: input.postalCode ?? null,
    region: input.region ?? null,
    country: input.country?.toUpperCase() ?? null,
  };
}

/** The address as lines a person reads (and a portal form shows). */
export function postalAddressLines(address: PostalAddress): string[] {
  const cityLine = [address.postalCode, address.city].filter((p) => p !== null && p !== '').join(' ');
  return [...address.lines, cityLine, address.region ?? '', address.country ?? ''].filter((l) => l !== '');
}
