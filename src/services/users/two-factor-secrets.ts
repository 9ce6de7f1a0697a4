import { randomBytes } from 'node:crypto';
import { isSealed, openText, openUnboundV1, sealText } from '../../licensing/sealed-key.ts';
import { systemActor } from '../../domain/actors.ts';
import { ensureServerSecret } from '../../store/server-secrets.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

/**
 * TOTP secrets are kept sealed (AES-256-GCM, `sealText`) with a key made by the first server and shared
 * through the database, like the CSRF key: a copy of the `two_factor` table alone, an export or a
 * log line of a row, does not give away anyone's codes. It does not protect against a copy of the
 * whole database; nothing kept beside the data could.
 */
const keys = new WeakMap<ServiceContext, Promise<Buffer>>();

/** The key; fetch it before a transaction, since making it takes one of its own. */
export function twoFactorKey(ctx: ServiceContext): Promise<Buffer> {
  let key = keys.get(ctx);
  if (!key) {
    key = inTransaction(ctx, async (tx, at) => {
      const candidate = randomBytes(32).toString('base64url');
      const value = await ensureServerSecret(tx, 'two-factor', candidate, at);
      if (value === candidate)
        await audit(tx, systemActor, at, {
          action: 'server-secret.created',
          subjectType: 'server-secret',
          subjectId: 'two-factor',
        });
      return Buffer.from(value, 'base64url');
    });
    // A failed attempt (a busy database) is not remembered: the next sign-in tries again.
    key.catch(() => keys.delete(ctx));
    keys.set(ctx, key);
  }
  return key;
}

/** A TOTP secret sealed (`sealText`, the one sealing of src/licensing/sealed-key.ts), bound to its user. */
export function encryptTotpSecret(key: Buffer, userId: string, base32: string): string {
  return sealText(key, bindingOf(userId), base32);
}

/** The TOTP secret of a row; one written before secrets were bound to their user opens too. */
export function decryptTotpSecret(key: Buffer, userId: string, stored: string): string {
  const what = `the two-factor secret of ${userId}`;
  return isSealed(stored) ? openText(key, bindingOf(userId), stored, what) : openUnboundV1(key, stored, what);
}

function bindingOf(userId: string): string {
  return `two-factor:${userId}`;
}
