import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { UnreadableKeyError, isSealed } from '../../src/licensing/sealed-key.ts';
import { decryptTotpSecret, encryptTotpSecret } from '../../src/services/users/two-factor-secrets.ts';

/** How a TOTP secret was stored before it was sealed by `sealText` (its own AES-GCM, bound to nothing). */
function legacyV1(key: Buffer, base32: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(base32, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

describe('two-factor secrets at rest', () => {
  const key = randomBytes(32);
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('are sealed by the one sealing helper, bound to their user', () => {
    const stored = encryptTotpSecret(key, 'usr_a', secret);
    assert.ok(isSealed(stored));
    assert.ok(!stored.includes(secret));
    assert.equal(decryptTotpSecret(key, 'usr_a', stored), secret);
    assert.throws(() => decryptTotpSecret(key, 'usr_b', stored), UnreadableKeyError, 'moved to another user');
    assert.throws(() => decryptTotpSecret(randomBytes(32), 'usr_a', stored), UnreadableKeyError);
  });

  it('rows sealed before, in the old format, still open', () => {
    const stored = legacyV1(key, secret);
    assert.equal(decryptTotpSecret(key, 'usr_a', stored), secret);
    assert.throws(() => decryptTotpSecret(key, 'usr_a', `${stored.slice(0, -2)}AA`), UnreadableKeyError);
  });
});
