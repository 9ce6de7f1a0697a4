import { createLocalJWKSet, decodeProtectedHeader, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { LicensingError } from '../licensing/errors.ts';
import { normalizeFingerprint } from '../licensing/fingerprint-format.ts';
import { checkLicenseClaims } from '../licensing/license-claims.ts';
import { readLicenseToken } from '../licensing/license-file.ts';
import { CLOCK_SKEW_SECONDS, isoSeconds, type LicenseVerification } from '../licensing/license-token.ts';

export interface VerifyOfflineOptions {
  /**
   * The producer's public keys, pinned in the application (copied from the server's
   * /.well-known/jwks.json at build time). Keys fetched at run time prove nothing: whoever
   * controls the network would serve their own.
   */
  jwks: JSONWebKeySet;
  /** This device's fingerprint; the licence must be bound to it. */
  fingerprint?: string;
  now?: Date;
}

/**
 * Checks a licence file (or bare token) with no server, answering the same codes and precedence as
 * the server's verifyLicense. It is done with jose on purpose, not with Licentia's own verifier:
 * every application that embeds the client proves that an independent JOSE library accepts our
 * licences, and one bug cannot hide in both.
 */
export async function verifyOffline(fileOrToken: string, options: VerifyOfflineOptions): Promise<LicenseVerification> {
  const bad = (detail: string): LicenseVerification => ({ valid: false, code: 'BAD_SIGNATURE', detail });
  let token: string;
  try {
    token = readLicenseToken(fileOrToken);
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error));
  }
  let keys: ReturnType<typeof createLocalJWKSet>;
  try {
    keys = createLocalJWKSet(options.jwks);
  } catch (error) {
    throw new LicensingError(
      'MALFORMED_JWKS',
      `the pinned JWKS cannot be used: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const now = options.now ?? new Date();
  let payload: JWTPayload;
  let timeCode: 'EXPIRED' | 'NOT_YET_VALID' | undefined;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      algorithms: ['EdDSA'],
      currentDate: now,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['iss', 'sub', 'jti', 'iat', 'nbf'],
    }));
  } catch (error) {
    // jose checks time only after the signature, so the payload these two errors carry is genuine.
    if (error instanceof errors.JWTExpired && error.reason === 'check_failed') {
      payload = error.payload;
      timeCode = 'EXPIRED';
    } else if (
      error instanceof errors.JWTClaimValidationFailed &&
      error.claim === 'nbf' &&
      error.reason === 'check_failed'
    ) {
      payload = error.payload;
      timeCode = 'NOT_YET_VALID';
    } else {
      return bad(`the licence does not verify: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const kid = decodeProtectedHeader(token).kid;
  if (typeof kid !== 'string') return bad('the licence names no signing key ("kid")');
  const check = checkLicenseClaims(payload);
  if (!check.ok) return bad(`the signed content is not a licence: claim ${check.field || '(root)'} ${check.reason}`);
  const claims = check.claims;
  if (options.fingerprint !== undefined && claims.sub !== normalizeFingerprint(options.fingerprint)) {
    return {
      valid: false,
      code: 'FINGERPRINT_MISMATCH',
      detail: 'the licence is bound to another device',
      kid,
      claims,
    };
  }
  if (timeCode === 'NOT_YET_VALID')
    return { valid: false, code: timeCode, detail: `the licence is valid from ${isoSeconds(claims.nbf)}`, kid, claims };
  if (timeCode === 'EXPIRED')
    return {
      valid: false,
      code: timeCode,
      detail: `the licence expired at ${isoSeconds(claims.exp ?? 0)}`,
      kid,
      claims,
    };
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
