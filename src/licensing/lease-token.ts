import { signEd25519Jws } from './compact-jws.ts';
import type { LicenseSigningKey } from './license-token.ts';

/** Distinct from a licence's `JWT`, and without `lic`: a lease token can never pass as a licence. */
export const LEASE_TYP = 'licentia-lease+jwt';

export interface LeaseClaims {
  iss: string;
  /** The device fingerprint holding the seat. */
  sub: string;
  /** The lease id (`lse_…`). */
  jti: string;
  iat: number;
  /** When the seat is lost without a heartbeat. */
  exp: number;
  lease: {
    activationId: string;
    entitlementId: string;
    product: { name: string; version: string };
    features: { name: string; version: string; count: number }[];
    test: boolean;
  };
}

/** A statement the application may check offline: it holds a floating seat until `exp`. */
export function signLease(claims: LeaseClaims, key: LicenseSigningKey): string {
  return signEd25519Jws({ alg: 'EdDSA', typ: LEASE_TYP, kid: key.kid }, claims, key.privateKey);
}
