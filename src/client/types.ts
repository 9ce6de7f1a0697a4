import type { Ed25519PublicJwk } from '../licensing/ed25519-jwk.ts';

/** An activation as the server describes it (DESIGN.md §3, "activation"). */
export interface Activation {
  /** `act_…`: the licence's `jti`, and what a return names. */
  id: string;
  /** The activation code (the line item's activation ID). */
  activationId: string;
  entitlementId: string;
  deviceId: string;
  fingerprint: string;
  count: number;
  state: 'active' | 'returned' | 'revoked';
  test: boolean;
  /** Activated from an offline request file. */
  offline: boolean;
  deviceName: string | null;
  /** The account that owns the device. */
  accountId: string;
  productId: string;
  issuedAt: string;
  expiresAt: string | null;
  /** When it was returned or revoked. */
  endedAt: string | null;
}

export interface IssuedLicense {
  /** The compact JWS. */
  token: string;
  /** The licence file: what LicenseStore saves and verifyOffline reads. */
  file: string;
}

export interface ActivationResult {
  /** False when the device had already activated this code and got its existing licence back. */
  created: boolean;
  activation: Activation;
  license: IssuedLicense;
}

export interface ActivateInput {
  code: string;
  fingerprint: string;
  deviceName?: string;
  count?: number;
  /** The device's own public key, to be bound into the licence (`cnf`). */
  publicKey?: Ed25519PublicJwk;
  /** Registration data, when the code is a web register key whose policy asks for it. */
  registration?: Partial<Record<'name' | 'email' | 'company' | 'phone' | 'country' | 'address', string>>;
}

export const validationCodes = [
  'VALID',
  'EXPIRED',
  'NOT_YET_VALID',
  'SUSPENDED',
  'RETURNED',
  'REVOKED',
  'FINGERPRINT_MISMATCH',
  'BAD_SIGNATURE',
  'NOT_FOUND',
] as const;
export type ValidationCode = (typeof validationCodes)[number];

/** The server's verdict; it may carry more members (the activation, the claims) than these. */
export interface ValidationResult {
  valid: boolean;
  code: ValidationCode;
  [member: string]: unknown;
}

export type ValidateInput = { token: string } | { code: string; fingerprint: string };

/** A floating seat held by one device until `expiresAt`, unless heartbeats extend it. */
export interface Lease {
  id: string;
  activationId: string;
  fingerprint: string;
  expiresAt: string;
  /** A JWS the application may check offline until `expiresAt`. */
  token: string;
  /**
   * Computed by the client, not sent by the server: how long the lease runs from the server's
   * `Date` header, so that a device whose clock is off still heartbeats on time.
   */
  ttlSeconds: number;
}

export interface LeaseInput {
  code: string;
  fingerprint: string;
  deviceName?: string;
}
