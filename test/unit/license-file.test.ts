import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { LicensingError } from '../../src/licensing/errors.ts';
import {
  LICENSE_BEGIN,
  LICENSE_END,
  parseLicenseFile,
  readLicenseToken,
  toLicenseFile,
} from '../../src/licensing/license-file.ts';
import { signLicense, verifyLicense } from '../../src/licensing/license-token.ts';
import { licenseClaims, NOW, type TestSigningKey, testSigningKey } from '../support/licences.ts';

let key: TestSigningKey;
before(async () => {
  key = await testSigningKey();
});

/** Any code point, lone surrogates included (fast-check's 'binary' unit takes a second to build). */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) });
const malformed = (e: unknown) => e instanceof LicensingError && e.code === 'MALFORMED_LICENSE_FILE';

describe('licence files', () => {
  it('hold the token between the armour lines, wrapped at 64 columns, and parse back to it', () => {
    const claims = licenseClaims();
    const token = signLicense(claims, key);
    const file = toLicenseFile(token, claims);
    assert.equal(parseLicenseFile(file), token);
    const lines = file.split('\n');
    const begin = lines.indexOf(LICENSE_BEGIN);
    const end = lines.indexOf(LICENSE_END);
    assert.ok(begin > 0 && end > begin);
    const body = lines.slice(begin + 1, end);
    assert.equal(body.join(''), token);
    assert.ok(body.every((l) => l.length <= 64));
    assert.ok(body.slice(0, -1).every((l) => l.length === 64));
    assert.ok(
      lines.slice(0, begin).every((l) => l.startsWith('#')),
      'everything before the block is a comment',
    );
    assert.ok(file.endsWith(`${LICENSE_END}\n`));
  });

  it('tell a person what the licence is, from the token alone', () => {
    const claims = licenseClaims();
    const file = toLicenseFile(signLicense(claims, key));
    for (const expected of [
      /Product: +CAD Studio 5\.0/,
      /Features: +export 1\.0 \(1\), render 2\.1 \(4\)/,
      /Entitlement: +ENT-7KQ2M-9XW4T/,
      /Activation code: +NRB08-1GDWQ-74RSX-M4D54/,
      /Activation: +act_0193a4b2c1d07e4f8a9b0c1d2e3f4a5b/,
      /Device: +f3c1e0b2a9d84c7e/,
      /Issued: +2026-02-28T12:00:00Z/,
      /Expires: +2027-02-28T12:00:00Z/,
      /Model: +node-locked, count 1/,
      /licentia verify/,
    ]) {
      assert.match(file, expected);
    }
    assert.doesNotMatch(file, /TEST LICENCE/);
    const { exp: _exp, ...permanent } = claims;
    const testPermanent = toLicenseFile(signLicense({ ...permanent, lic: { ...claims.lic, test: true } }, key));
    assert.match(testPermanent, /Expires: +permanent/);
    assert.match(testPermanent, /TEST LICENCE/);
  });

  it('refuse claims that are not those of the token, so comments never say more than the token', () => {
    const claims = licenseClaims();
    const token = signLicense(claims, key);
    assert.throws(
      () => toLicenseFile(token, { ...claims, lic: { ...claims.lic, product: { name: 'Other', version: '9' } } }),
      LicensingError,
    );
    assert.throws(() => toLicenseFile(token, { ...claims, extra: 'secret' } as typeof claims), LicensingError);
  });

  it('keep each comment on one line whatever the names hold', () => {
    const claims = licenseClaims();
    const hostile = `Evil\n${LICENSE_END}\n${LICENSE_BEGIN}\nAAAA.BBBB.CCCC\r\u2028\u202eHidden\u0000`;
    const token = signLicense({ ...claims, lic: { ...claims.lic, product: { name: hostile, version: '1' } } }, key);
    const file = toLicenseFile(token);
    assert.equal(parseLicenseFile(file), token);
    const lines = file.split('\n');
    assert.equal(lines.filter((l) => l === LICENSE_BEGIN).length, 1);
    assert.match(file, /Product: +Evil\\u000a-----END LICENTIA LICENSE-----\\u000a/);
    assert.match(file, /\\u202eHidden\\u0000/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what the test looks for
    assert.doesNotMatch(file, /[\r\u2028\u202e\u0000]/);
  });

  it('parse with CRLF, a byte-order mark, indentation, blank lines and trailing text comments', () => {
    const token = signLicense(licenseClaims(), key);
    const file = toLicenseFile(token);
    assert.equal(parseLicenseFile(file.replaceAll('\n', '\r\n')), token);
    assert.equal(parseLicenseFile(`\uFEFF${file}`), token);
    assert.equal(
      parseLicenseFile(
        file
          .split('\n')
          .map((l) => `  ${l}  `)
          .join('\n'),
      ),
      token,
    );
    assert.equal(parseLicenseFile(file.replace(LICENSE_BEGIN, `${LICENSE_BEGIN}\n\n`)), token);
    assert.equal(parseLicenseFile(`${file}\n# kept by the IT department\n\n`), token);
    assert.equal(parseLicenseFile(`${LICENSE_BEGIN}\n${token}\n${LICENSE_END}`), token, 'comments are optional');
    assert.equal(verifyLicense(parseLicenseFile(file.replaceAll('\n', '\r')), key.keys, { now: NOW }).code, 'VALID');
  });

  it('refuse what is not a licence file, with a clear typed error', () => {
    const token = signLicense(licenseClaims(), key);
    const file = toLicenseFile(token);
    const cases: [string, RegExp][] = [
      ['', /no -----BEGIN LICENTIA LICENSE----- line/],
      [token.replace(/\./g, ''), /no -----BEGIN/],
      [file.replace(LICENSE_END, ''), /no -----END LICENTIA LICENSE----- line/],
      [`${file}${file}`, /more than one/],
      [`hello\n${file}`, /line 1 is neither a comment/],
      [`${file}trailing words`, /neither a comment/],
      [file.replace(LICENSE_BEGIN, `${LICENSE_BEGIN}\n<script>`), /characters that do not belong/],
      [`${LICENSE_BEGIN}\n${LICENSE_END}\n`, /empty/],
      [`${LICENSE_BEGIN}\nabc.def\n${LICENSE_END}\n`, /characters that do not belong/],
      [`${LICENSE_BEGIN}\n${token}=\n${LICENSE_END}\n`, /characters that do not belong/],
      [file.replace('LICENSE-----', 'LICENCE-----'), /no -----BEGIN/],
      [`# x\n`.repeat(100_000), /longer than/],
    ];
    for (const [text, reason] of cases) {
      assert.throws(
        () => parseLicenseFile(text),
        (e) => malformed(e) && reason.test((e as Error).message),
        `${text.slice(0, 80)} → ${reason}`,
      );
    }
    assert.throws(() => parseLicenseFile(42 as unknown as string), malformed);
  });

  it('are read from either a file or a bare token', () => {
    const token = signLicense(licenseClaims(), key);
    assert.equal(readLicenseToken(token), token);
    assert.equal(readLicenseToken(`  ${token}\n`), token);
    assert.equal(readLicenseToken(toLicenseFile(token)), token);
    assert.throws(() => readLicenseToken('neither'), malformed);
  });

  it('never fail in any other way than a LicensingError, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          anyString,
          fc
            .array(fc.oneof(fc.constant(LICENSE_BEGIN), fc.constant(LICENSE_END), fc.constant('# c'), fc.string()))
            .map((l) => l.join('\n')),
        ),
        (text) => {
          try {
            assert.match(parseLicenseFile(text), /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
          } catch (e) {
            assert.ok(malformed(e), String(e));
          }
        },
      ),
    );
  });

  it('round-trip whatever the product is called', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), anyString, (name, version) => {
        const claims = licenseClaims();
        const token = signLicense({ ...claims, lic: { ...claims.lic, product: { name, version } } }, key);
        const file = toLicenseFile(token);
        assert.equal(parseLicenseFile(file), token);
        assert.equal(
          Buffer.from(file).toString(),
          file,
          'the file is valid Unicode, so it survives being written as UTF-8',
        );
      }),
      { numRuns: 200 },
    );
  });
});
