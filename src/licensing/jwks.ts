import type { KeyObject } from 'node:crypto';
import { checkEd25519PublicJwk, type Ed25519PublicJwk, isRecord, publicKeyFromEd25519Jwk } from './ed25519-jwk.ts';
import { LicensingError } from './errors.ts';

export interface Jwks {
  keys: Ed25519PublicJwk[];
}

/**
 * The published key set. Each key is copied member by member, so a private member that found its
 * way into a stored JWK can never be published.
 */
export function toJwks(publicJwks: readonly Ed25519PublicJwk[]): Jwks {
  const seen = new Set<string>();
  const keys = publicJwks.map((jwk, i) => {
    const check = checkEd25519PublicJwk(jwk);
    if (!check.ok)
      throw new LicensingError('INVALID_INPUT', `key ${i}${check.field}: ${check.reason}`, {
        field: `/${i}${check.field}`,
      });
    const kid = check.jwk.kid;
    if (kid === undefined) throw new LicensingError('INVALID_INPUT', `key ${i} has no kid`, { field: `/${i}/kid` });
    if (seen.has(kid))
      throw new LicensingError('INVALID_INPUT', `two keys have the kid ${kid}`, { field: `/${i}/kid` });
    seen.add(kid);
    return { kty: 'OKP', crv: 'Ed25519', x: check.jwk.x, kid, alg: 'EdDSA', use: 'sig' } satisfies Ed25519PublicJwk;
  });
  return { keys };
}

/**
 * The Ed25519 signing keys of a JWKS by kid. Keys of other types, keys for other uses and keys
 * without a kid are skipped (a JWKS may serve more than licences); two Ed25519 keys with one kid
 * make the set ambiguous and are refused.
 */
export function keysFromJwks(jwks: unknown): Map<string, KeyObject> {
  if (!isRecord(jwks) || !Array.isArray(jwks.keys))
    throw new LicensingError('MALFORMED_JWKS', 'not a JWKS: expected {"keys": [...]}');
  const keys = new Map<string, KeyObject>();
  for (const candidate of jwks.keys) {
    const check = checkEd25519PublicJwk(candidate, { extraMembers: true });
    if (!check.ok || check.jwk.kid === undefined) continue;
    if (keys.has(check.jwk.kid))
      throw new LicensingError('MALFORMED_JWKS', `the JWKS has two Ed25519 keys with the kid ${check.jwk.kid}`);
    try {
      keys.set(check.jwk.kid, publicKeyFromEd25519Jwk(check.jwk));
    } catch {
      // Not a key this runtime can use; like a key of another type, it cannot have signed a licence.
    }
  }
  return keys;
}
