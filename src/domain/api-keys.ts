import { createHash, randomBytes } from 'node:crypto';
import type { Role } from './actors.ts';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  accountId: string | null;
  /** The first characters of the secret, so a person can tell keys apart. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

const SECRET_PREFIX = 'lic_';

/** 256 bits of randomness: SHA-256 is then enough to store it, no slow hash needed. */
export function generateApiKeySecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, SECRET_PREFIX.length + 6);
}

/** A secret chosen by an operator (LICENTIA_ADMIN_KEY) must still be hard to guess. */
export const MIN_CHOSEN_SECRET_LENGTH = 24;
