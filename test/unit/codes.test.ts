import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CODE_ALPHABET, generateCode, isValidCode, normalizeCode } from '../../src/domain/codes.ts';

describe('activation codes', () => {
  it('have 20 random characters of the look-alike-free alphabet, grouped by five', () => {
    const code = generateCode();
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    // 20 characters of a 32-letter alphabet: 100 bits, above the 80 required.
    assert.equal(CODE_ALPHABET.length, 32);
    assert.ok(20 * Math.log2(CODE_ALPHABET.length) >= 80);
  });

  it('use every character of the alphabet about equally', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++)
      for (const c of generateCode().replaceAll('-', '')) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, 32);
    const expected = (4000 * 20) / 32;
    for (const n of counts.values()) assert.ok(Math.abs(n - expected) < expected * 0.15, `skewed count ${n}`);
  });

  it('do not repeat', () => {
    const seen = new Set(Array.from({ length: 20000 }, () => generateCode()));
    assert.equal(seen.size, 20000);
  });

  it('carry a prefix when asked', () => {
    assert.match(generateCode('ACME'), /^ACME(-[0-9A-Z]{5}){4}$/);
  });

  it('are matched case-insensitively, with or without separators, and with look-alikes folded', () => {
    const code = generateCode();
    const n = normalizeCode(code);
    assert.equal(normalizeCode(code.toLowerCase()), n);
    assert.equal(normalizeCode(code.replaceAll('-', '')), n);
    assert.equal(normalizeCode(code.replaceAll('-', ' ')), n);
    assert.equal(normalizeCode('ab-OIL'), normalizeCode('AB011'));
  });

  it('normalise idempotently for any input', () => {
    fc.assert(fc.property(fc.string(), (s) => normalizeCode(normalizeCode(s)) === normalizeCode(s)));
  });

  it('validate the loaded or specified format', () => {
    assert.ok(isValidCode('ABCD'));
    assert.ok(isValidCode('a.b_c-d'));
    assert.ok(!isValidCode('ABC'));
    assert.ok(!isValidCode('A'.repeat(65)));
    assert.ok(!isValidCode('ABCD EFGH'));
    assert.ok(!isValidCode("AB'; DROP"));
    assert.ok(!isValidCode('----'));
  });
});
