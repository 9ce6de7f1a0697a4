import type { Role } from './actors.ts';
import { AppError } from './errors.ts';

/** A person who signs in to a portal. Partner and customer users act for one account. */
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  accountId: string | null;
  /** False until a password is set: such a user signs in only with a sign-in link. */
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
}

/** How long a session lives without being used, and at most. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** A session's last use is written at most this often, so reading a page does not write a row each time. */
export const SESSION_TOUCH_MS = 60 * 1000;

/** A one-use sign-in link is sent by mail; three days leaves a weekend to open it. */
export const SIGN_IN_LINK_MS = 72 * 60 * 60 * 1000;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkPassword(password: string, field = '/password'): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    const message = `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
    throw new AppError('VALIDATION_FAILED', `The password ${message}.`, { fields: [{ field, message }] });
  }
}

/** When a session created at `createdAt` and last used at `lastSeenAt` stops being valid. */
export function sessionExpiry(createdAt: Date, lastSeenAt: Date): Date {
  return new Date(Math.min(lastSeenAt.getTime() + SESSION_IDLE_MS, createdAt.getTime() + SESSION_MAX_MS));
}
