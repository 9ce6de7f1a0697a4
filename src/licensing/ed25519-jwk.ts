import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeBase64url } from './base64url.ts';

/** The public half of an Ed25519 key as a JWK (RFC 8037). Only public members, ever. */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid?: string;
  alg?: string;
  use?: string;
}

export type JwkCheck = { ok: true; jwk: Ed25519PublicJwk } | { ok: false; field: string; reason: string };

/**
 * Whether `value` is an Ed25519 public JWK, answering a copy that holds only the public members.
 * A JWK carrying `d` is refused: a private key in a place meant for a public one is a mistake
 * that must not go unnoticed (and must not be stored or echoed).
 */
export function checkEd25519PublicJwk(value: unknown, options: { extraMembers?: boolean } = {}): JwkCheck {
  if (!isRecord(value)) return { ok: false, field: '', reason: 'must be a JSON object (a JWK)' };
  if ('d' in value) return { ok: false, field: '/d', reason: 'must be a public key: it holds a private key ("d")' };
  if (value.kty !== 'OKP') return { ok: false, field: '/kty', reason: 'must be "OKP"' };
  if (value.crv !== 'Ed25519') return { ok: false, field: '/crv', reason: 'must be "Ed25519"' };
  const x = typeof value.x === 'string' ? decodeBase64url(value.x) : undefined;
  if (x?.length !== 32) return { ok: false, field: '/x', reason: 'must be the base64url encoding of 32 bytes' };
  const jwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: value.x as string };
  for (const member of ['kid', 'alg', 'use'] as const) {
    const v = value[member];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > 256)
      return { ok: false, field: `/${member}`, reason: 'must be a short string' };
    jwk[member] = v;
  }
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519')
    return { ok: false, field: '/alg', reason: 'must be "EdDSA" or "Ed25519"' };
  if (jwk.use !== undefined && jwk.use !== 'sig') return { ok: false, field: '/use', reason: 'must be "sig"' };
  if (!options.extraMembers) {
    const extra = Object.keys(value).find((k) => !['kty', 'crv', 'x', 'kid', 'alg', 'use'].includes(k));
    if (extra !== undefined)
      return { ok: false, field: `/${extra}`, reason: 'is not a member of an Ed25519 public key' };
  }
  return { ok: true, jwk };
}

export function publicJwkOf(key: KeyObject): Ed25519PublicJwk {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 key');
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('the key did not export an "x" member');
  return { kty: 'OKP', crv: 'Ed25519', x };
}

export function publicKeyFromEd25519Jwk(jwk: Ed25519PublicJwk): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
}

export function sameEd25519Key(a: Ed25519PublicJwk, b: Ed25519PublicJwk): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
