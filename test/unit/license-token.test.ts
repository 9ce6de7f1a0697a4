import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { LicensingError } from '../../src/licensing/errors.ts';
import { CLOCK_SKEW_SECONDS, decodeLicense, signLicense, verifyLicense } from '../../src/licensing/license-token.ts';
import { DAY, licenseClaims, NOW, seconds, type TestSigningKey, testSigningKey } from '../support/licences.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000);

let key: TestSigningKey;
let other: TestSigningKey;
before(async () => {
  key = await testSigningKey();
  other = await testSigningKey();
});

describe('licence tokens', () => {
  it('are compact JWS with the contract header, and verify as VALID with their claims', () => {
    const claims = licenseClaims();
    const token = signLicense(claims, key);
    const [header] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header as string, 'base64url').toString()), {
      alg: 'EdDSA',
      typ: 'JWT',
      kid: key.kid,
    });
    const result = verifyLicense(token, key.keys, { now: NOW, fingerprint: claims.sub });
    assert.equal(result.code, 'VALID', result.detail);
    assert.equal(result.valid, true);
    assert.ok(result.valid && result.kid === key.kid);
    assert.deepEqual(result.valid && result.claims, claims);
    assert.deepEqual(decodeLicense(token), { header: { alg: 'EdDSA', typ: 'JWT', kid: key.kid }, claims });
  });

  it('carry the device key (cnf) when given one', () => {
    const device = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const claims = licenseClaims({ cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: device.x as string } } });
    const result = verifyLicense(signLicense(claims, key), key.keys, { now: NOW });
    assert.equal(result.code, 'VALID');
    assert.deepEqual(result.valid && result.claims.cnf, claims.cnf);
  });

  it('are refused as BAD_SIGNATURE when the payload, header or signature is touched', () => {
    const token = signLicense(licenseClaims(), key);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = [
      `${h}.${b64({ ...payload, sub: 'another-device' })}.${s}`,
      `${h}.${b64({ ...payload, lic: { ...payload.lic, count: 100 } })}.${s}`,
      `${h}.${b64({ ...payload, exp: payload.exp + 10 * 365 * DAY })}.${s}`,
      `${b64({ alg: 'EdDSA', typ: 'JWT', kid: key.kid, extra: 1 })}.${p}.${s}`,
      `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`,
      `${h}.${p}.${s.slice(0, -4)}`,
      `${h}.${p}.`,
      `${h}.${p}`,
      `${token}.`,
      ` ${token}`,
      `${h}.${p}.${s}=`,
      '',
      'not a token at all',
    ];
    for (const t of tampered) {
      const result = verifyLicense(t, key.keys, { now: NOW });
      assert.equal(result.code, 'BAD_SIGNATURE', t);
      assert.equal(result.valid, false);
      assert.ok(!('claims' in result), 'no claims when the signature is not good');
    }
  });

  it('refuse alg "none", other algorithms and crit extensions whatever the signature', () => {
    const p = b64(licenseClaims());
    for (const header of [
      { alg: 'none', typ: 'JWT', kid: key.kid },
      { alg: 'HS256', typ: 'JWT', kid: key.kid },
      { alg: 'ES256', typ: 'JWT', kid: key.kid },
      { alg: 'Ed25519', typ: 'JWT', kid: key.kid },
      { typ: 'JWT', kid: key.kid },
      { alg: 'EdDSA', typ: 'JWT', kid: key.kid, crit: ['exp'] },
      { alg: 'EdDSA', typ: 'JWT' },
    ]) {
      const h = b64(header);
      const signature = sign(null, Buffer.from(`${h}.${p}`), key.privateKey).toString('base64url');
      for (const token of [`${h}.${p}.${signature}`, `${h}.${p}.`]) {
        assert.equal(verifyLicense(token, key.keys, { now: NOW }).code, 'BAD_SIGNATURE', JSON.stringify(header));
      }
    }
  });

  it('refuse a kid that is not trusted, and a trusted kid with another key’s signature', () => {
    const byOther = signLicense(licenseClaims(), other);
    const unknown = verifyLicense(byOther, key.keys, { now: NOW });
    assert.equal(unknown.code, 'BAD_SIGNATURE');
    assert.match(unknown.detail, /not among the trusted keys/);
    const forged = signLicense(licenseClaims(), { kid: key.kid, privateKey: other.privateKey });
    assert.equal(verifyLicense(forged, key.keys, { now: NOW }).code, 'BAD_SIGNATURE');
    assert.equal(verifyLicense(byOther, new Map([...key.keys, ...other.keys]), { now: NOW }).code, 'VALID');
    assert.equal(verifyLicense(byOther, new Map(), { now: NOW }).code, 'BAD_SIGNATURE');
  });

  it('refuse a well-signed payload that is not a licence', () => {
    const h = b64({ alg: 'EdDSA', typ: 'JWT', kid: key.kid });
    for (const payload of [
      { sub: 'x' },
      [],
      'text',
      { ...licenseClaims(), lic: { ...licenseClaims().lic, model: 'galactic' } },
    ]) {
      const p = b64(payload);
      const s = sign(null, Buffer.from(`${h}.${p}`), key.privateKey).toString('base64url');
      const result = verifyLicense(`${h}.${p}.${s}`, key.keys, { now: NOW });
      assert.equal(result.code, 'BAD_SIGNATURE');
      assert.match(result.detail, /not a licence/);
    }
  });

  it('expire at exp, with a minute of clock skew either way', () => {
    const claims = licenseClaims();
    const token = signLicense(claims, key);
    const exp = claims.exp as number;
    const expAt = (offset: number) => new Date((exp + offset) * 1000);
    assert.equal(verifyLicense(token, key.keys, { now: expAt(-1) }).code, 'VALID');
    assert.equal(verifyLicense(token, key.keys, { now: expAt(CLOCK_SKEW_SECONDS - 1) }).code, 'VALID');
    const expired = verifyLicense(token, key.keys, { now: expAt(CLOCK_SKEW_SECONDS) });
    assert.equal(expired.code, 'EXPIRED');
    assert.deepEqual(
      !expired.valid && 'claims' in expired && expired.claims,
      claims,
      'an expired licence still shows what it was',
    );
    assert.equal(verifyLicense(token, key.keys, { now: expAt(DAY) }).code, 'EXPIRED');
  });

  it('are not valid before nbf, with the same skew', () => {
    const nbf = seconds(NOW) + DAY;
    const token = signLicense(licenseClaims({ nbf, exp: nbf + DAY }), key);
    const nbfAt = (offset: number) => new Date((nbf + offset) * 1000);
    assert.equal(verifyLicense(token, key.keys, { now: NOW }).code, 'NOT_YET_VALID');
    assert.equal(verifyLicense(token, key.keys, { now: nbfAt(-CLOCK_SKEW_SECONDS - 1) }).code, 'NOT_YET_VALID');
    assert.equal(verifyLicense(token, key.keys, { now: nbfAt(-CLOCK_SKEW_SECONDS) }).code, 'VALID');
    assert.equal(verifyLicense(token, key.keys, { now: nbfAt(0) }).code, 'VALID');
  });

  it('are permanent without exp', () => {
    const { exp: _exp, ...permanent } = licenseClaims();
    const token = signLicense(permanent, key);
    assert.equal(decodeLicense(token).claims.exp, undefined);
    assert.equal(verifyLicense(token, key.keys, { now: new Date('2099-12-31T00:00:00Z') }).code, 'VALID');
  });

  it('are bound to their device: another fingerprint is FINGERPRINT_MISMATCH, before time is looked at', () => {
    const token = signLicense(licenseClaims(), key);
    assert.equal(
      verifyLicense(token, key.keys, { now: NOW, fingerprint: 'f3c1e0b2a9d84c7f' }).code,
      'FINGERPRINT_MISMATCH',
    );
    assert.equal(
      verifyLicense(token, key.keys, { now: at(10 * 365 * DAY), fingerprint: 'another' }).code,
      'FINGERPRINT_MISMATCH',
    );
    assert.equal(verifyLicense(token, key.keys, { now: NOW }).code, 'VALID', 'no fingerprint given: not checked');
  });

  it('are not signed from claims that are not a licence, nor with a key that is not Ed25519', () => {
    assert.throws(
      () => signLicense({ ...licenseClaims(), sub: '' }, key),
      (e) => e instanceof LicensingError && e.code === 'INVALID_INPUT' && e.field === '/sub',
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assert.throws(() => signLicense(licenseClaims(), { kid: 'k', privateKey: ec }), /Ed25519/);
  });

  it('decode without verifying, with a typed error on malformed input', () => {
    for (const bad of [
      '',
      'a.b.c',
      'eyJhbGciOiJFZERTQSJ9.e30.AAAA',
      `${b64({ alg: 'EdDSA' })}.${b64({ sub: 'x' })}.AAAA`,
    ]) {
      assert.throws(
        () => decodeLicense(bad),
        (e) => e instanceof LicensingError && e.code === 'MALFORMED_TOKEN',
        bad,
      );
    }
  });
});

describe('licence tokens outside Licentia', () => {
  it('verify with jose (jwtVerify over a local JWKS) and fail there when tampered', async () => {
    const claims = licenseClaims();
    const token = signLicense(claims, key);
    const jwks = createLocalJWKSet(key.jwks);
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      algorithms: ['EdDSA'],
      currentDate: NOW,
      issuer: 'licentia',
      subject: claims.sub,
    });
    assert.deepEqual(payload, claims);
    assert.equal(protectedHeader.kid, key.kid);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payloadObject = JSON.parse(Buffer.from(p, 'base64url').toString());
    await assert.rejects(
      jwtVerify(`${h}.${b64({ ...payloadObject, sub: 'x' })}.${s}`, jwks, { algorithms: ['EdDSA'], currentDate: NOW }),
    );
  });

  describe('with the openssl command line', () => {
    const version = spawnSync('openssl', ['version'], { encoding: 'utf8' });
    const major = Number(/OpenSSL (\d+)\./.exec(version.stdout ?? '')?.[1] ?? 0);
    const skip = major >= 3 ? false : `needs OpenSSL 3 for pkeyutl -rawin (found: ${version.stdout?.trim() || 'none'})`;
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'licentia-openssl-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** Only what the JWKS publishes (x) and the token: an SPKI is a fixed 12-byte prefix and x. */
    function opensslVerify(token: string): { status: number | null; output: string } {
      const jwk = key.jwks.keys[0];
      assert.ok(jwk);
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(jwk.x, 'base64url')]);
      const pem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
      const [h, p, s] = token.split('.') as [string, string, string];
      writeFileSync(join(dir, 'pub.pem'), pem);
      writeFileSync(join(dir, 'data'), `${h}.${p}`);
      writeFileSync(join(dir, 'sig'), Buffer.from(s, 'base64url'));
      const r = spawnSync(
        'openssl',
        ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'data', '-sigfile', 'sig'],
        {
          cwd: dir,
          encoding: 'utf8',
        },
      );
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    }

    it('verifies the signature over header.payload', { skip }, () => {
      const r = opensslVerify(signLicense(licenseClaims(), key));
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, /Signature Verified Successfully/);
    });

    it('refuses a tampered token', { skip }, () => {
      const [h, p, s] = signLicense(licenseClaims(), key).split('.') as [string, string, string];
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      const r = opensslVerify(`${h}.${b64({ ...payload, lic: { ...payload.lic, test: true } })}.${s}`);
      assert.notEqual(r.status, 0, r.output);
      assert.match(r.output, /Signature Verification Failure/);
    });
  });
});
