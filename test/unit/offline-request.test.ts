import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { armor } from '../../src/licensing/armor.ts';
import { LicensingError, type LicensingErrorCode } from '../../src/licensing/errors.ts';
import {
  createActivationRequest,
  createDeviceKeyPair,
  createReturnRequest,
  parseActivationRequest,
  parseAndVerifyReturnRequest,
  readReturnRequest,
} from '../../src/licensing/offline-request.ts';
import { NOW } from '../support/licences.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const typed = (code: LicensingErrorCode, field?: string) => (e: unknown) =>
  e instanceof LicensingError && e.code === code && (field === undefined || e.field === field);

const device = createDeviceKeyPair();
const request = () =>
  createActivationRequest({
    code: 'NRB08-1GDWQ-74RSX-M4D54',
    fingerprint: 'f3c1e0b2a9d84c7e',
    deviceName: 'lab-pc-07',
    devicePublicKey: device.publicJwk,
    now: NOW,
  });
const requestJson = (text = request()) =>
  JSON.parse(
    Buffer.from(/-----\n([\s\S]*?)\n-----END/.exec(text)?.[1]?.replace(/\n/g, '') ?? '', 'base64url').toString(),
  );
const armoredRequest = (value: unknown) => armor('ACTIVATION REQUEST', b64(value));

describe('offline activation requests', () => {
  it('round-trip: an armoured base64url JSON document with the device public key', () => {
    const text = request();
    const lines = text.split('\n');
    const begin = lines.indexOf('-----BEGIN LICENTIA ACTIVATION REQUEST-----');
    const end = lines.indexOf('-----END LICENTIA ACTIVATION REQUEST-----');
    assert.ok(begin > 0 && end > begin + 1);
    assert.ok(lines.slice(0, begin).every((l) => l.startsWith('#')));
    assert.ok(lines.slice(begin + 1, end).every((l) => l.length <= 64 && /^[A-Za-z0-9_-]+$/.test(l)));
    const parsed = parseActivationRequest(text);
    assert.deepEqual(parsed, requestJson(text));
    assert.equal(parsed.v, 1);
    assert.equal(parsed.type, 'activation-request');
    assert.equal(parsed.code, 'NRB08-1GDWQ-74RSX-M4D54');
    assert.equal(parsed.fingerprint, 'f3c1e0b2a9d84c7e');
    assert.equal(parsed.deviceName, 'lab-pc-07');
    assert.deepEqual(parsed.publicKey, device.publicJwk);
    assert.equal(parsed.createdAt, NOW.toISOString());
    assert.match(parsed.nonce, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(parseActivationRequest(request()).nonce, parsed.nonce);
    assert.doesNotMatch(
      text,
      new RegExp(device.privateKey.export({ format: 'jwk' }).d as string),
      'no private key in the request',
    );
    assert.deepEqual(parseActivationRequest(text.replaceAll('\n', '\r\n')), parsed);
  });

  it('accept the device public key as a KeyObject, and Unicode device names', () => {
    const parsed = parseActivationRequest(
      createActivationRequest({
        code: 'abcd efgh',
        fingerprint: 'x',
        deviceName: 'Zürich – Büro 3',
        devicePublicKey: device.publicKey,
      }),
    );
    assert.deepEqual(parsed.publicKey, device.publicJwk);
    assert.equal(parsed.deviceName, 'Zürich – Büro 3');
  });

  it('are not written from inputs the server would refuse', () => {
    const base = { code: 'ABCD-EFGH', fingerprint: 'fp', deviceName: 'pc', devicePublicKey: device.publicJwk };
    assert.throws(() => createActivationRequest({ ...base, code: 'A'.repeat(65) }), typed('INVALID_INPUT', '/code'));
    assert.throws(() => createActivationRequest({ ...base, fingerprint: '' }), typed('INVALID_INPUT', '/fingerprint'));
    assert.throws(
      () => createActivationRequest({ ...base, deviceName: 'x'.repeat(201) }),
      typed('INVALID_INPUT', '/deviceName'),
    );
  });

  it('are parsed strictly: each hostile or garbled member is refused with its field', () => {
    const good = requestJson();
    const { d: _d, ...publicOnly } = device.privateKey.export({ format: 'jwk' });
    const cases: [unknown, string][] = [
      [[good], ''],
      ['text', ''],
      [null, ''],
      [{ ...good, extra: 1 }, '/extra'],
      [JSON.parse(`{${JSON.stringify(good).slice(1, -1)},"__proto__":{"polluted":true}}`), '/__proto__'],
      [{ ...good, nonce: undefined }, '/nonce'],
      [{ ...good, v: 2 }, '/v'],
      [{ ...good, v: '1' }, '/v'],
      [{ ...good, type: 'return-request' }, '/type'],
      [{ ...good, code: '' }, '/code'],
      [{ ...good, code: '   ' }, '/code'],
      [{ ...good, code: 'A'.repeat(65) }, '/code'],
      [{ ...good, code: "AB'; DROP TABLE x" }, '/code'],
      [{ ...good, code: 'ABCD\nEFGH' }, '/code'],
      [{ ...good, code: 1234 }, '/code'],
      [{ ...good, fingerprint: '' }, '/fingerprint'],
      [{ ...good, fingerprint: 'f'.repeat(257) }, '/fingerprint'],
      [{ ...good, fingerprint: ' padded' }, '/fingerprint'],
      [{ ...good, fingerprint: 'tab\there' }, '/fingerprint'],
      [{ ...good, fingerprint: 'bell\u0007' }, '/fingerprint'],
      [{ ...good, deviceName: 'n'.repeat(201) }, '/deviceName'],
      [{ ...good, deviceName: 'two\nlines' }, '/deviceName'],
      [{ ...good, deviceName: null }, '/deviceName'],
      [{ ...good, publicKey: device.privateKey.export({ format: 'jwk' }) }, '/publicKey/d'],
      [{ ...good, publicKey: { ...publicOnly, crv: 'X25519' } }, '/publicKey/crv'],
      [
        { ...good, publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) },
        '/publicKey/kty',
      ],
      [{ ...good, publicKey: { ...publicOnly, x: 'AAAA' } }, '/publicKey/x'],
      [{ ...good, publicKey: { ...publicOnly, x: `${publicOnly.x}=` } }, '/publicKey/x'],
      [{ ...good, publicKey: { ...publicOnly, n: 'rsa' } }, '/publicKey/n'],
      [{ ...good, publicKey: 'a key' }, '/publicKey'],
      [{ ...good, createdAt: 'yesterday' }, '/createdAt'],
      [{ ...good, createdAt: '2026-13-45T99:99:99Z' }, '/createdAt'],
      [{ ...good, nonce: 'short' }, '/nonce'],
    ];
    for (const [value, field] of cases) {
      assert.throws(
        () => parseActivationRequest(armoredRequest(value)),
        typed('MALFORMED_ACTIVATION_REQUEST', field),
        `${JSON.stringify(value)?.slice(0, 120)} → ${field}`,
      );
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuse text that is not an activation request', () => {
    const text = request();
    const cases = [
      '',
      'hello',
      text.replace('-----END LICENTIA ACTIVATION REQUEST-----', ''),
      text.replaceAll('ACTIVATION REQUEST', 'RETURN REQUEST'),
      text + text,
      text.replace(/(BEGIN LICENTIA ACTIVATION REQUEST-----\n)/, '$1+/=='),
      armor('ACTIVATION REQUEST', Buffer.from('{"v":1,').toString('base64url')),
      armor('ACTIVATION REQUEST', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64url')),
      armor('ACTIVATION REQUEST', `${b64(requestJson())}A`),
      'x'.repeat(300 * 1024),
    ];
    for (const t of cases)
      assert.throws(() => parseActivationRequest(t), typed('MALFORMED_ACTIVATION_REQUEST'), t.slice(0, 80));
  });

  it('never fail in any other way than a LicensingError, whatever the input', () => {
    const anyChar = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: anyChar }),
          fc.jsonValue().map(armoredRequest),
          fc.anything().map((v) => armoredRequest(v ?? null)),
        ),
        (text) => {
          assert.throws(() => parseActivationRequest(text), typed('MALFORMED_ACTIVATION_REQUEST'));
        },
      ),
    );
  });
});

describe('offline return requests', () => {
  const returnRequest = (privateKey = device.privateKey) =>
    createReturnRequest({
      activationId: 'act_0193a4b2c1d07e4f8a9b0c1d2e3f4a5b',
      fingerprint: 'f3c1e0b2a9d84c7e',
      devicePrivateKey: privateKey,
      now: NOW,
    });
  const jwsOf = (text: string) => /-----\n([\s\S]*?)\n-----END/.exec(text)?.[1]?.replace(/\n/g, '') ?? '';

  it('round-trip, verified against the device key the server stored', () => {
    const text = returnRequest();
    assert.match(text, /^# .*act_0193a4b2c1d07e4f8a9b0c1d2e3f4a5b/m);
    assert.match(
      text,
      /-----BEGIN LICENTIA RETURN REQUEST-----\n([A-Za-z0-9_.-]{1,64}\n)+-----END LICENTIA RETURN REQUEST-----\n$/,
    );
    const expected = {
      v: 1,
      type: 'return-request',
      activationId: 'act_0193a4b2c1d07e4f8a9b0c1d2e3f4a5b',
      fingerprint: 'f3c1e0b2a9d84c7e',
      createdAt: NOW.toISOString(),
      devicePublicKey: device.publicJwk,
    };
    const { nonce, ...verified } = parseAndVerifyReturnRequest(text, device.publicJwk);
    assert.deepEqual(verified, expected);
    assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
    const { nonce: _n, ...read } = readReturnRequest(text);
    assert.deepEqual(read, expected);
    const [header] = jwsOf(text).split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header as string, 'base64url').toString()), {
      alg: 'EdDSA',
      typ: 'licentia-return-request',
      jwk: device.publicJwk,
    });
    // The key as the server finds it in a licence's cnf, with extra members, is fine.
    assert.equal(
      parseAndVerifyReturnRequest(text, { ...device.publicJwk, kid: 'device', alg: 'EdDSA' }).activationId,
      expected.activationId,
    );
  });

  it('signed by another device key is refused, whichever key its header names', () => {
    const intruder = createDeviceKeyPair();
    const byIntruder = returnRequest(intruder.privateKey);
    assert.equal(
      readReturnRequest(byIntruder).activationId,
      'act_0193a4b2c1d07e4f8a9b0c1d2e3f4a5b',
      'readable, not trusted',
    );
    assert.throws(
      () => parseAndVerifyReturnRequest(byIntruder, device.publicJwk),
      typed('RETURN_REQUEST_NOT_VERIFIED'),
    );
    // Header claims the victim's key, signature by the intruder.
    const payload = jwsOf(byIntruder).split('.')[1] as string;
    const h = b64({ alg: 'EdDSA', typ: 'licentia-return-request', jwk: device.publicJwk });
    const forged = armor(
      'RETURN REQUEST',
      `${h}.${payload}.${sign(null, Buffer.from(`${h}.${payload}`), intruder.privateKey).toString('base64url')}`,
    );
    assert.throws(() => parseAndVerifyReturnRequest(forged, device.publicJwk), typed('RETURN_REQUEST_NOT_VERIFIED'));
    assert.equal(parseAndVerifyReturnRequest(byIntruder, intruder.publicJwk).fingerprint, 'f3c1e0b2a9d84c7e');
  });

  it('with a changed payload or signature is refused', () => {
    const [h, p, s] = jwsOf(returnRequest()).split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const other = `${h}.${b64({ ...payload, activationId: 'act_other' })}.${s}`;
    assert.throws(
      () => parseAndVerifyReturnRequest(armor('RETURN REQUEST', other), device.publicJwk),
      typed('RETURN_REQUEST_NOT_VERIFIED'),
    );
    const flipped = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    assert.throws(
      () => parseAndVerifyReturnRequest(armor('RETURN REQUEST', flipped), device.publicJwk),
      typed('RETURN_REQUEST_NOT_VERIFIED'),
    );
  });

  it('are parsed strictly', () => {
    const text = returnRequest();
    const [h, p, s] = jwsOf(text).split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const signed = (hv: unknown, pv: unknown) => {
      const signingInput = `${b64(hv)}.${b64(pv)}`;
      return armor(
        'RETURN REQUEST',
        `${signingInput}.${sign(null, Buffer.from(signingInput), device.privateKey).toString('base64url')}`,
      );
    };
    const cases: [string, string | undefined][] = [
      ['', undefined],
      [request(), undefined],
      [armor('RETURN REQUEST', `${b64({ ...header, alg: 'none' })}.${p}.`), undefined],
      [signed({ ...header, alg: 'none' }, payload), '/header/alg'],
      [signed({ ...header, alg: 'HS256' }, payload), '/header/alg'],
      [signed({ ...header, typ: 'JWT' }, payload), '/header/typ'],
      [signed({ ...header, crit: ['b64'] }, payload), '/header/crit'],
      [signed({ ...header, kid: 'x' }, payload), '/header/kid'],
      [signed({ ...header, jwk: device.privateKey.export({ format: 'jwk' }) }, payload), '/header/jwk/d'],
      [signed({ alg: 'EdDSA', typ: 'licentia-return-request' }, payload), '/header/jwk'],
      [signed(header, { ...payload, type: 'activation-request' }), '/type'],
      [signed(header, { ...payload, v: 2 }), '/v'],
      [signed(header, { ...payload, activationId: '../../etc' }), '/activationId'],
      [signed(header, { ...payload, activationId: 'a'.repeat(129) }), '/activationId'],
      [signed(header, { ...payload, fingerprint: '' }), '/fingerprint'],
      [signed(header, { ...payload, extra: true }), '/extra'],
      [signed(header, { ...payload, createdAt: 0 }), '/createdAt'],
      [signed(header, [payload]), ''],
      [armor('RETURN REQUEST', `${h}.${p}.${s}`).replace('-----END', 'junk\n-----END'), undefined],
      [armor('RETURN REQUEST', `${h}.${p}.${s}AAAA`), undefined],
      [armor('RETURN REQUEST', `${h}.${p}.${s.slice(0, -4)}`), undefined],
    ];
    for (const [t, field] of cases) {
      assert.throws(
        () => readReturnRequest(t),
        typed('MALFORMED_RETURN_REQUEST', field),
        `${t.slice(0, 60)} → ${field}`,
      );
      assert.throws(() => parseAndVerifyReturnRequest(t, device.publicJwk), typed('MALFORMED_RETURN_REQUEST', field));
    }
  });

  it('are only signed with an Ed25519 private key, and only verified against an Ed25519 public key', () => {
    assert.throws(
      () => createReturnRequest({ activationId: 'act_1', fingerprint: 'fp', devicePrivateKey: device.publicKey }),
      typed('INVALID_INPUT'),
    );
    const { d } = device.privateKey.export({ format: 'jwk' });
    assert.throws(
      () => parseAndVerifyReturnRequest(returnRequest(), { ...device.publicJwk, d } as typeof device.publicJwk),
      typed('INVALID_INPUT'),
    );
  });
});
