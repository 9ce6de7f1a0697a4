import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { systemActor } from '../../domain/actors.ts';
import { ensureServerSecret } from '../../store/server-secrets.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

/**
 * TOTP secrets are kept encrypted (AES-256-GCM) with a key made by the first server and shared
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

export function encryptTotpSecret(key: Buffer, base32: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(base32, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decryptTotpSecret(key: Buffer, stored: string): string {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unreadable two-factor secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
