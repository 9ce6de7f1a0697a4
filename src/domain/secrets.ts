import { createHash, randomBytes } from 'node:crypto';

/**
 * Secrets Licentia hands out (API keys, portal sessions, sign-in links): 256 random bits, so
 * SHA-256 is enough to store them; a slow hash, as for passwords, would only slow every request.
 */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
