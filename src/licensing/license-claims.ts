import { type LicenseModelKind, licenseModelKinds } from '../domain/catalog.ts';
import { checkEd25519PublicJwk, type Ed25519PublicJwk, isRecord } from './ed25519-jwk.ts';

export type { LicenseModelKind };

/** What a licence says about the line item it was activated from (DESIGN.md §3, `lic`). */
export interface LicenseDetails {
  /** The line item's activation code, e.g. `NRB08-1GDWQ-74RSX-M4D54`. */
  activationId: string;
  entitlementId: string;
  product: { name: string; version: string };
  features: { name: string; version: string; count: number }[];
  model: LicenseModelKind;
  /** How much of the line item's quantity this activation takes. */
  count: number;
  /** Issued from a `test` entitlement: not for production use, not billed. */
  test: boolean;
}

/** The claims of a licence token (DESIGN.md §3). Times are seconds since the epoch. */
export interface LicenseClaims {
  iss: string;
  /** The device fingerprint the licence is bound to. */
  sub: string;
  /** The activation's id (`act_…`). */
  jti: string;
  iat: number;
  nbf: number;
  /** Absent when the licence is permanent. */
  exp?: number;
  lic: LicenseDetails;
  /**
   * RFC 7800 confirmation key: the device's own public key, when the activation brought one
   * (offline activation), so that a later return request can be proven to come from that device.
   */
  cnf?: { jwk: Ed25519PublicJwk };
}

export type ClaimsCheck = { ok: true; claims: LicenseClaims } | { ok: false; field: string; reason: string };

/**
 * Whether a decoded payload has the shape of licence claims. Members we do not know are kept out
 * of the answer but do not make it fail, so that a newer server can add claims without breaking
 * applications that embed an older client.
 */
export function checkLicenseClaims(value: unknown): ClaimsCheck {
  const fail = (field: string, reason: string): ClaimsCheck => ({ ok: false, field, reason });
  if (!isRecord(value)) return fail('', 'must be a JSON object');
  for (const name of ['iss', 'sub', 'jti'] as const)
    if (!nonEmptyString(value[name])) return fail(`/${name}`, 'must be a non-empty string');
  for (const name of ['iat', 'nbf'] as const)
    if (!numericDate(value[name])) return fail(`/${name}`, 'must be a time in seconds since the epoch');
  if (value.exp !== undefined && !numericDate(value.exp))
    return fail('/exp', 'must be a time in seconds since the epoch, or absent');
  const lic = value.lic;
  if (!isRecord(lic)) return fail('/lic', 'must be a JSON object');
  if (!nonEmptyString(lic.activationId)) return fail('/lic/activationId', 'must be a non-empty string');
  if (!nonEmptyString(lic.entitlementId)) return fail('/lic/entitlementId', 'must be a non-empty string');
  const product = lic.product;
  if (!isRecord(product) || typeof product.name !== 'string' || typeof product.version !== 'string') {
    return fail('/lic/product', 'must be {name, version} strings');
  }
  if (!Array.isArray(lic.features)) return fail('/lic/features', 'must be an array');
  const features: LicenseDetails['features'] = [];
  for (const [i, f] of lic.features.entries()) {
    if (!isRecord(f) || typeof f.name !== 'string' || typeof f.version !== 'string' || !count(f.count)) {
      return fail(`/lic/features/${i}`, 'must be {name, version} strings and a non-negative integer count');
    }
    features.push({ name: f.name, version: f.version, count: f.count });
  }
  if (!licenseModelKinds.includes(lic.model as LicenseModelKind))
    return fail('/lic/model', `must be one of ${licenseModelKinds.join(', ')}`);
  if (!count(lic.count)) return fail('/lic/count', 'must be a non-negative integer');
  if (typeof lic.test !== 'boolean') return fail('/lic/test', 'must be true or false');
  const claims: LicenseClaims = {
    iss: value.iss as string,
    sub: value.sub as string,
    jti: value.jti as string,
    iat: value.iat as number,
    nbf: value.nbf as number,
    ...(value.exp !== undefined && { exp: value.exp as number }),
    lic: {
      activationId: lic.activationId,
      entitlementId: lic.entitlementId,
      product: { name: product.name, version: product.version },
      features,
      model: lic.model as LicenseModelKind,
      count: lic.count,
      test: lic.test,
    },
  };
  if (value.cnf !== undefined) {
    if (!isRecord(value.cnf)) return fail('/cnf', 'must be {jwk}');
    const jwk = checkEd25519PublicJwk(value.cnf.jwk, { extraMembers: true });
    if (!jwk.ok) return fail(`/cnf/jwk${jwk.field}`, jwk.reason);
    claims.cnf = { jwk: jwk.jwk };
  }
  return { ok: true, claims };
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function numericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function count(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}
