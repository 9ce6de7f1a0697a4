import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { verifyOffline } from '../../src/client/verify-offline.ts';
import { LicensingError } from '../../src/licensing/errors.ts';
import { toLicenseFile } from '../../src/licensing/license-file.ts';
import { CLOCK_SKEW_SECONDS, signLicense, verifyLicense } from '../../src/licensing/license-token.ts';
import { DAY, licenseClaims, NOW, seconds, type TestSigningKey, testSigningKey } from '../support/licences.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let key: TestSigningKey;
let other: TestSigningKey;
before(async () => {
  key = await testSigningKey();
  other = await testSigningKey();
});

describe('verifyOffline (jose, pinned JWKS)', () => {
  it('accepts a licence file and a bare token, with the claims', async () => {
    const claims = licenseClaims();
    const token = signLicense(claims, key);
    for (const input of [toLicenseFile(token), token, toLicenseFile(token).replaceAll('\n', '\r\n')]) {
      const result = await verifyOffline(input, { jwks: key.jwks, fingerprint: claims.sub, now: NOW });
      assert.equal(result.code, 'VALID', result.detail);
      assert.deepEqual(result.valid && result.claims, claims);
      assert.equal(result.valid && result.kid, key.kid);
    }
  });

  it('answers what the server-side verifier answers, case by case', async () => {
    const claims = licenseClaims();
    const exp = claims.exp as number;
    const { exp: _exp, ...permanentClaims } = claims;
    const [h, p, s] = signLicense(claims, key).split('.') as [string, string, string];
    const noneHeader = b64({ alg: 'none', typ: 'JWT', kid: key.kid });
    const hs = b64({ alg: 'HS256', typ: 'JWT', kid: key.kid });
    const notLicence = b64({ iss: 'x', sub: 'y', jti: 'z', iat: 1, nbf: 1 });
    const cases: { name: string; token: string; now?: Date; fingerprint?: string; code: string }[] = [
      { name: 'valid', token: `${h}.${p}.${s}`, code: 'VALID' },
      {
        name: 'permanent, far future',
        token: signLicense(permanentClaims, key),
        now: new Date('2099-01-01T00:00:00Z'),
        code: 'VALID',
      },
      { name: 'tampered payload', token: `${h}.${b64({ ...claims, sub: 'other' })}.${s}`, code: 'BAD_SIGNATURE' },
      {
        name: 'tampered signature',
        token: `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`,
        code: 'BAD_SIGNATURE',
      },
      { name: 'alg none', token: `${noneHeader}.${p}.`, code: 'BAD_SIGNATURE' },
      {
        name: 'alg HS256',
        token: `${hs}.${p}.${sign(null, Buffer.from(`${hs}.${p}`), key.privateKey).toString('base64url')}`,
        code: 'BAD_SIGNATURE',
      },
      { name: 'unknown kid', token: signLicense(claims, other), code: 'BAD_SIGNATURE' },
      {
        name: 'known kid, wrong key',
        token: signLicense(claims, { kid: key.kid, privateKey: other.privateKey }),
        code: 'BAD_SIGNATURE',
      },
      {
        name: 'signed, not a licence',
        token: `${h}.${notLicence}.${sign(null, Buffer.from(`${h}.${notLicence}`), key.privateKey).toString('base64url')}`,
        code: 'BAD_SIGNATURE',
      },
      { name: 'garbage', token: 'garbage', code: 'BAD_SIGNATURE' },
      {
        name: 'just expired',
        token: `${h}.${p}.${s}`,
        now: new Date((exp + CLOCK_SKEW_SECONDS) * 1000),
        code: 'EXPIRED',
      },
      {
        name: 'within skew',
        token: `${h}.${p}.${s}`,
        now: new Date((exp + CLOCK_SKEW_SECONDS - 1) * 1000),
        code: 'VALID',
      },
      { name: 'not yet valid', token: signLicense({ ...claims, nbf: seconds(NOW) + DAY }, key), code: 'NOT_YET_VALID' },
      { name: 'another device', token: `${h}.${p}.${s}`, fingerprint: 'someone-else', code: 'FINGERPRINT_MISMATCH' },
      {
        name: 'another device, expired',
        token: `${h}.${p}.${s}`,
        fingerprint: 'someone-else',
        now: new Date((exp + DAY) * 1000),
        code: 'FINGERPRINT_MISMATCH',
      },
    ];
    for (const c of cases) {
      const options = { now: c.now ?? NOW, ...(c.fingerprint !== undefined && { fingerprint: c.fingerprint }) };
      const offline = await verifyOffline(c.token, { jwks: key.jwks, ...options });
      const server = verifyLicense(c.token, key.keys, options);
      assert.equal(offline.code, c.code, `${c.name}: ${offline.detail}`);
      assert.equal(server.code, c.code, `${c.name} (server): ${server.detail}`);
      assert.equal(offline.valid, c.code === 'VALID');
      if (c.code !== 'BAD_SIGNATURE')
        assert.deepEqual('claims' in offline && offline.claims, 'claims' in server && server.claims, c.name);
    }
  });

  it('trusts any key of the pinned set, so licences survive a key rotation', async () => {
    const jwks = { keys: [...key.jwks.keys, ...other.jwks.keys] };
    assert.equal((await verifyOffline(signLicense(licenseClaims(), other), { jwks, now: NOW })).code, 'VALID');
    assert.equal((await verifyOffline(signLicense(licenseClaims(), key), { jwks, now: NOW })).code, 'VALID');
  });

  it('refuses an unusable pinned JWKS loudly, rather than calling every licence bad', async () => {
    const token = signLicense(licenseClaims(), key);
    await assert.rejects(verifyOffline(token, { jwks: { keys: 'nope' } as never, now: NOW }), LicensingError);
  });
});
