import type { Role } from './actors.ts';
import { generateSecret } from './secrets.ts';

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

/** Stored as `hashSecret` of the whole secret (src/domain/secrets.ts). */
export function generateApiKeySecret(): string {
  return SECRET_PREFIX + generateSecret();
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, SECRET_PREFIX.length + 6);
}

/** A secret chosen by an operator (LICENTIA_ADMIN_KEY) must still be hard to guess. */
export const MIN_CHOSEN_SECRET_LENGTH = 24;
