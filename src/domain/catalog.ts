export const licenseModelKinds = ['node-locked', 'floating', 'uncounted'] as const;
export type LicenseModelKind = (typeof licenseModelKinds)[number];

export interface LicenseModel {
  id: string;
  name: string;
  kind: LicenseModelKind;
  /** Licences last this many days from activation; null means permanent. */
  durationDays: number | null;
  /** Activations allowed beyond a line item's quantity. */
  overdraft: number;
  /** How many times one line item's activations may move to another device; null means no limit. */
  maxRehosts: number | null;
  allowOffline: boolean;
  /** How long a floating seat's lease lasts without a heartbeat. */
  leaseSeconds: number | null;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_LEASE_SECONDS = 900;

export interface Feature {
  id: string;
  name: string;
  version: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProductFeature {
  featureId: string;
  name: string;
  version: string;
  count: number;
}

export interface Product {
  id: string;
  name: string;
  version: string;
  description: string | null;
  licenseModelId: string;
  features: ProductFeature[];
  createdAt: string;
  updatedAt: string;
}
