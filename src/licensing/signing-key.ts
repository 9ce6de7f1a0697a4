import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Ed25519PublicJwk } from './ed25519-jwk.ts';

export interface GeneratedSigningKey {
  kid: string;
  publicJwk: Ed25519PublicJwk;
  privatePkcs8Pem: string;
}

/** A new Ed25519 key pair; its `kid` is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    kid,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x ?? '', kid, alg: 'EdDSA', use: 'sig' },
    privatePkcs8Pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem' });
}

export function publicKeyFromJwk(jwk: JWK): KeyObject {
  return createPublicKey({
    key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } as import('node:crypto').JsonWebKey,
    format: 'jwk',
  });
}
