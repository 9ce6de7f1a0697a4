import { randomBytes } from 'node:crypto';
import type { Role } from './actors.ts';
import { producerRoles } from './actors.ts';

/** Recovery codes made at enrolment, each usable once when the authenticator is lost. */
export const RECOVERY_CODE_COUNT = 10;
/** How long the second step of a sign-in waits for its code. */
export const CHALLENGE_MS = 5 * 60 * 1000;
/** Wrong codes one pending sign-in takes before the password must be given again. */
export const CHALLENGE_MAX_FAILURES = 5;
/** TOTP as every authenticator app does it (RFC 6238 defaults): SHA-1, 6 digits, 30 s. */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_S = 30;
/** Codes of one step either side are accepted: phones' clocks drift. */
export const TOTP_WINDOW = 1;

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * A recovery code: 16 characters from 31 (about 79 bits), so that a SHA-256 hash of it cannot be
 * reversed by trying them all; shown in groups of four.
 */
export function newRecoveryCode(): string {
  const bytes = randomBytes(32);
  let code = '';
  for (const byte of bytes) {
    // Rejection sampling: 248 = 8 × 31 keeps every character equally likely.
    if (byte >= 248) continue;
    code += RECOVERY_ALPHABET[byte % 31];
    if (code.length === 16) break;
  }
  if (code.length < 16) return newRecoveryCode();
  return code.match(/.{4}/g)?.join('-') ?? code;
}

/** A recovery code as typed (any case, spaces or dashes) in the form it is hashed in. */
export function normalizeRecoveryCode(typed: string): string {
  return typed.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A six-digit code from an authenticator, as opposed to a recovery code. */
export function isTotpCode(typed: string): boolean {
  return /^\d{6}$/.test(typed.replace(/\s/g, ''));
}

/** Whether the setting that requires two-factor sign-in for the producer's staff applies to `role`. */
export function twoFactorRequired(role: Role, requiredForProducer: boolean): boolean {
  return requiredForProducer && (producerRoles as readonly Role[]).includes(role);
}
