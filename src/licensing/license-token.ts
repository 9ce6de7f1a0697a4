import type { KeyObject } from 'node:crypto';
import { parseJsonPart, signEd25519Jws, splitCompactJws, verifyEd25519 } from './compact-jws.ts';
import { LicensingError } from './errors.ts';
import { checkLicenseClaims, type LicenseClaims } from './license-claims.ts';

/**
 * How far the device's clock may be off from the server's before `nbf` and `exp` count: a licence
 * issued a moment ago must work on a machine whose clock runs a little behind, and one minute is
 * more than NTP-synchronised clocks drift and far less than any licence lasts.
 */
export const CLOCK_SKEW_SECONDS = 60;

export interface LicenseHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

export interface LicenseSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** The validation codes (DESIGN.md §3) that a licence alone decides, without the server's records. */
export type OfflineValidationCode = 'VALID' | 'EXPIRED' | 'NOT_YET_VALID' | 'FINGERPRINT_MISMATCH' | 'BAD_SIGNATURE';

export type LicenseVerification =
  | { valid: true; code: 'VALID'; detail: string; kid: string; claims: LicenseClaims }
  | {
      valid: false;
      code: 'EXPIRED' | 'NOT_YET_VALID' | 'FINGERPRINT_MISMATCH';
      detail: string;
      kid: string;
      claims: LicenseClaims;
    }
  | { valid: false; code: 'BAD_SIGNATURE'; detail: string };

export interface VerifyLicenseOptions {
  now?: Date;
  /** The fingerprint of the device asking; the licence must be bound to it. */
  fingerprint?: string;
}

/** A compact JWS, EdDSA over Ed25519, header `{alg, typ, kid}`. Synchronous: it runs per activation. */
export function signLicense(claims: LicenseClaims, key: LicenseSigningKey): string {
  const check = checkLicenseClaims(claims);
  if (!check.ok)
    throw new LicensingError('INVALID_INPUT', `cannot sign: claim ${check.field || '(root)'} ${check.reason}`, {
      field: check.field,
    });
  if (typeof key.kid !== 'string' || key.kid.length === 0)
    throw new LicensingError('INVALID_INPUT', 'cannot sign: the key has no kid');
  if (key.privateKey.asymmetricKeyType !== 'ed25519' || key.privateKey.type !== 'private') {
    throw new LicensingError('INVALID_INPUT', 'cannot sign: licences are signed with an Ed25519 private key');
  }
  return signEd25519Jws({ alg: 'EdDSA', typ: 'JWT', kid: key.kid }, claims, key.privateKey);
}

/** The header and claims of a licence, unverified: for showing, never for trusting. */
export function decodeLicense(token: string): { header: LicenseHeader; claims: LicenseClaims } {
  const split = splitCompactJws(token);
  if (!split.ok) throw new LicensingError('MALFORMED_TOKEN', `not a licence token: ${split.reason}`);
  const { header } = split.jws;
  if (typeof header.alg !== 'string')
    throw new LicensingError('MALFORMED_TOKEN', 'not a licence token: its header has no "alg"');
  const claims = checkLicenseClaims(parseJsonPart(split.jws.payloadB64));
  if (!claims.ok)
    throw new LicensingError(
      'MALFORMED_TOKEN',
      `not a licence token: claim ${claims.field || '(root)'} ${claims.reason}`,
      { field: claims.field },
    );
  return {
    header: {
      alg: header.alg,
      ...(typeof header.kid === 'string' && { kid: header.kid }),
      ...(typeof header.typ === 'string' && { typ: header.typ }),
    },
    claims: claims.claims,
  };
}

/**
 * Checks a licence against the producer's public keys, in this order: signature (anything
 * malformed, an algorithm other than EdDSA, an unknown `kid` or a bad signature is BAD_SIGNATURE),
 * then the device (FINGERPRINT_MISMATCH: a licence of another machine is not this one's, expired or
 * not), then time: NOT_YET_VALID, EXPIRED, each with CLOCK_SKEW_SECONDS of tolerance.
 */
export function verifyLicense(
  token: string,
  keys: ReadonlyMap<string, KeyObject>,
  options: VerifyLicenseOptions = {},
): LicenseVerification {
  const bad = (detail: string): LicenseVerification => ({ valid: false, code: 'BAD_SIGNATURE', detail });
  const split = splitCompactJws(token);
  if (!split.ok) return bad(`the licence is malformed: ${split.reason}`);
  const { header } = split.jws;
  // Pinned to EdDSA: the header's alg is never allowed to choose how we verify ("none", HS256…).
  if (header.alg !== 'EdDSA') return bad(`the licence is signed with ${JSON.stringify(header.alg)}, not EdDSA`);
  // RFC 7515 §4.1.11: extensions we do not understand must make verification fail.
  if (header.crit !== undefined)
    return bad('the licence asks for JWS extensions ("crit") this verifier does not support');
  if (typeof header.kid !== 'string') return bad('the licence names no signing key ("kid")');
  const kid = header.kid;
  const key = keys.get(kid);
  if (key === undefined)
    return bad(`the licence is signed by key ${JSON.stringify(kid)}, which is not among the trusted keys`);
  if (!verifyEd25519(split.jws, key)) return bad('the signature does not match the licence');
  const check = checkLicenseClaims(parseJsonPart(split.jws.payloadB64));
  if (!check.ok) return bad(`the signed content is not a licence: claim ${check.field || '(root)'} ${check.reason}`);
  const claims = check.claims;
  if (options.fingerprint !== undefined && claims.sub !== options.fingerprint) {
    return {
      valid: false,
      code: 'FINGERPRINT_MISMATCH',
      detail: 'the licence is bound to another device',
      kid,
      claims,
    };
  }
  return timeVerdict(claims, kid, options.now ?? new Date());
}

function timeVerdict(claims: LicenseClaims, kid: string, now: Date): LicenseVerification {
  const seconds = Math.floor(now.getTime() / 1000);
  if (claims.nbf > seconds + CLOCK_SKEW_SECONDS) {
    return {
      valid: false,
      code: 'NOT_YET_VALID',
      detail: `the licence is valid from ${isoSeconds(claims.nbf)}`,
      kid,
      claims,
    };
  }
  if (claims.exp !== undefined && claims.exp <= seconds - CLOCK_SKEW_SECONDS) {
    return { valid: false, code: 'EXPIRED', detail: `the licence expired at ${isoSeconds(claims.exp)}`, kid, claims };
  }
  return {
    valid: true,
    code: 'VALID',
    detail:
      claims.exp === undefined
        ? 'the licence is valid (permanent)'
        : `the licence is valid until ${isoSeconds(claims.exp)}`,
    kid,
    claims,
  };
}

export function isoSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}
