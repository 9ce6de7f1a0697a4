import assert from 'node:assert/strict';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { checkEd25519PublicJwk, type Ed25519PublicJwk } from '../../src/licensing/ed25519-jwk.ts';
import { keysFromJwks, type Jwks, toJwks } from '../../src/licensing/jwks.ts';
import type { LicenseClaims } from '../../src/licensing/license-claims.ts';
import { generateSigningKey } from '../../src/licensing/signing-key.ts';

export interface TestSigningKey {
  kid: string;
  privateKey: KeyObject;
  jwks: Jwks;
  keys: Map<string, KeyObject>;
}

/** A producer signing key as the server makes them (kid = RFC 7638 thumbprint), with its JWKS. */
export async function testSigningKey(): Promise<TestSigningKey> {
  const generated = await generateSigningKey();
  const jwks = toJwks([generated.publicJwk as Ed25519PublicJwk]);
  return {
    kid: generated.kid,
    privateKey: createPrivateKey(generated.privatePkcs8Pem),
    jwks,
    keys: keysFromJwks(jwks),
  };
}

export const NOW = new Date('2026-03-01T12:00:00Z');
export const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
export const DAY = 24 * 60 * 60;

export function licenseClaims(overrides: Partial<LicenseClaims> = {}): LicenseClaims {
  const iat = seconds(NOW) - DAY;
  return {
    iss: 'licentia',
    sub: 'f3c1e0b2a9d84c7e',
    jti: 'act_0193a4b2c1d07e4f8a9b0c1d2e3f4a5b',
    iat,
    nbf: iat,
    exp: iat + 365 * DAY,
    lic: {
      activationId: 'NRB08-1GDWQ-74RSX-M4D54',
      entitlementId: 'ENT-7KQ2M-9XW4T',
      product: { name: 'CAD Studio', version: '5.0' },
      features: [
        { name: 'export', version: '1.0', count: 1 },
        { name: 'render', version: '2.1', count: 4 },
      ],
      model: 'node-locked',
      count: 1,
      test: false,
    },
    ...overrides,
  };
}

/** The JWKS a server publishes; each key must be an Ed25519 public JWK and nothing more. */
export async function fetchJwks(baseUrl: string): Promise<Jwks> {
  const jwks: unknown = await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json();
  assert.ok(typeof jwks === 'object' && jwks !== null && 'keys' in jwks && Array.isArray(jwks.keys), 'a JWKS');
  const keys = jwks.keys.map((key: unknown) => {
    const check = checkEd25519PublicJwk(key);
    assert.ok(check.ok, JSON.stringify(key));
    return check.jwk;
  });
  return { keys };
}

/** Verifies a licence file (or token) with the JWKS the server publishes, as any client would. */
export async function verifyWithServerJwks(baseUrl: string, fileOrToken: string, fingerprint?: string) {
  const { readLicenseToken } = await import('../../src/licensing/license-file.ts');
  const { verifyLicense } = await import('../../src/licensing/license-token.ts');
  const jwks: unknown = await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json();
  return verifyLicense(readLicenseToken(fileOrToken), keysFromJwks(jwks), { fingerprint });
}
