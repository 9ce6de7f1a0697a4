import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTotpCode, newRecoveryCode, normalizeRecoveryCode, twoFactorRequired } from '../../src/domain/two-factor.ts';

test('recovery codes: 16 characters of an unambiguous alphabet in groups of four, all different', () => {
  const codes = Array.from({ length: 1000 }, newRecoveryCode);
  for (const code of codes) assert.match(code, /^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/);
  assert.equal(new Set(codes).size, codes.length);
});

test('a recovery code is recognised however it is typed', () => {
  assert.equal(normalizeRecoveryCode(' ABCD efgh-JKMN_pqrs '), 'abcdefghjkmnpqrs');
  assert.equal(isTotpCode('123 456'), true);
  assert.equal(isTotpCode('12345'), false);
  assert.equal(isTotpCode('abcd-efgh-jkmn-pqrs'), false);
});

test('the setting requires two-factor sign-in of the producer’s staff only, and only when on', () => {
  assert.equal(twoFactorRequired('admin', true), true);
  assert.equal(twoFactorRequired('operator', true), true);
  assert.equal(twoFactorRequired('partner', true), false);
  assert.equal(twoFactorRequired('customer', true), false);
  assert.equal(twoFactorRequired('admin', false), false);
});
