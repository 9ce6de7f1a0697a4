import { randomBytes } from 'node:crypto';

/**
 * Activation codes and generated web register keys. Crockford's base32 alphabet has no I, L, O or U,
 * so a code read aloud or copied by hand cannot be mistaken for another one; 20 characters carry
 * 100 bits of randomness, grouped by five for reading.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_RANDOM_CHARS = 20;
export const CODE_GROUP = 5;

/** What a producer-specified activation ID or a loaded web register key may look like. */
export const CODE_PATTERN = /^[A-Za-z0-9._-]{4,64}$/;
export const CODE_PREFIX_PATTERN = /^[A-Z0-9]{1,16}$/;

export function generateCode(prefix?: string): string {
  const bytes = randomBytes(Math.ceil((CODE_RANDOM_CHARS * 5) / 8));
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < CODE_RANDOM_CHARS) {
      out += CODE_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  const groups = out.match(new RegExp(`.{1,${CODE_GROUP}}`, 'g')) ?? [];
  return prefix ? [prefix, ...groups].join('-') : groups.join('-');
}

/**
 * The form a code is stored under for lookup and uniqueness: upper case, without separators, and
 * with the characters people confuse folded together (O→0, I and L→1). So `abcd-efgh`, `ABCDEFGH`
 * and `ABCD EFGH` are one code, and two codes that differ only by look-alikes cannot coexist.
 */
export function normalizeCode(raw: string): string {
  return raw
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

/** How a code is shown: as given, in upper case. */
export function displayCode(raw: string): string {
  return raw.trim().toUpperCase();
}

export function isValidCode(raw: string): boolean {
  return CODE_PATTERN.test(raw) && normalizeCode(raw).length >= 4;
}

export const ENTITLEMENT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function generateEntitlementId(): string {
  return `ENT-${generateCode().slice(0, 11)}`;
}

/** DESIGN.md §2 rule 5: a code with at least this much randomness cannot be found by guessing. */
export const UNGUESSABLE_BITS = 80;

/**
 * The most randomness a presented code can carry: five bits per character of its normalised form
 * (the 32 symbols left once case, separators and look-alikes are folded). Generated codes carry
 * exactly that (20 characters, 100 bits); a short code loaded by a partner carries at most that.
 */
export function codeEntropyBits(raw: string): number {
  return normalizeCode(raw).length * 5;
}

/** Whether a code is too short to be safe from guessing, so that even its refusals tell a guesser something. */
export function isGuessableCode(raw: string): boolean {
  return codeEntropyBits(raw) < UNGUESSABLE_BITS;
}
