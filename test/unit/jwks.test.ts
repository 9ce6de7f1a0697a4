import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Ed25519PublicJwk } from '../../src/licensing/ed25519-jwk.ts';
import { LicensingError } from '../../src/licensing/errors.ts';
import { keysFromJwks, toJwks } from '../../src/licensing/jwks.ts';

function ed25519(kid: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const { x, d } = privateKey.export({ format: 'jwk' });
  return {
    publicKey,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: x as string, kid } satisfies Ed25519PublicJwk,
    d: d as string,
  };
}

describe('JWKS', () => {
  it('publishes only the public members of each key, marked for EdDSA signatures', () => {
    const a = ed25519('a');
    const b = ed25519('b');
    const withPrivate = { ...a.jwk, d: a.d, alg: 'EdDSA' } as Ed25519PublicJwk;
    assert.throws(() => toJwks([withPrivate]), LicensingError, 'a private member is refused, not published');
    assert.deepEqual(toJwks([a.jwk, b.jwk]), {
      keys: [
        { kty: 'OKP', crv: 'Ed25519', x: a.jwk.x, kid: 'a', alg: 'EdDSA', use: 'sig' },
        { kty: 'OKP', crv: 'Ed25519', x: b.jwk.x, kid: 'b', alg: 'EdDSA', use: 'sig' },
      ],
    });
    assert.throws(() => toJwks([a.jwk, { ...b.jwk, kid: 'a' }]), /two keys have the kid a/);
    assert.throws(() => toJwks([{ kty: 'OKP', crv: 'Ed25519', x: a.jwk.x }]), /no kid/);
  });

  it('reads the Ed25519 signing keys by kid and skips every other key', () => {
    const a = ed25519('a');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const keys = keysFromJwks({
      keys: [
        a.jwk,
        { ...rsa, kid: 'rsa', alg: 'RS256' },
        { kty: 'OKP', crv: 'X25519', x: a.jwk.x, kid: 'x25519' },
        { ...ed25519('enc').jwk, use: 'enc' },
        { ...ed25519('es').jwk, alg: 'ES256' },
        { ...ed25519('nokid').jwk, kid: undefined },
        { ...ed25519('short').jwk, x: 'AAAA' },
        'not a key',
        null,
      ],
      extra: 'members are fine',
    });
    assert.deepEqual([...keys.keys()], ['a']);
    assert.ok(keys.get('a')?.equals(a.publicKey));
  });

  it('refuses what is not a JWKS, and a kid shared by two keys', () => {
    for (const bad of [null, [], 'text', {}, { keys: {} }]) {
      assert.throws(
        () => keysFromJwks(bad),
        (e) => e instanceof LicensingError && e.code === 'MALFORMED_JWKS',
      );
    }
    assert.throws(
      () => keysFromJwks({ keys: [ed25519('k').jwk, ed25519('k').jwk] }),
      /two Ed25519 keys with the kid k/,
    );
    assert.equal(keysFromJwks({ keys: [] }).size, 0);
  });
});
