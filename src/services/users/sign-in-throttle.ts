import { AppError } from '../../domain/errors.ts';
import { normalizeEmail } from '../../domain/users.ts';
import type { ServiceContext } from '../context.ts';
import { type SignInStep, signInWithPassword } from './sessions.ts';

/**
 * Failed passwords are counted per account and client address, so that nobody locks a person out
 * from elsewhere by failing on purpose; and, more loosely, per account from anywhere, against
 * guessing spread over many addresses. Each address is also held to the failed-guess limit of
 * the sign-in routes (DESIGN.md §2 rule 5), which the HTTP layer applies.
 */
export const FAILURES_PER_ACCOUNT_AND_ADDRESS = 10;
export const FAILURES_PER_ACCOUNT = 50;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;

function throttleOf(ctx: ServiceContext) {
  return {
    fromAddress: ctx.rateCounters.counter(
      'sign-in-account-address',
      FAILURES_PER_ACCOUNT_AND_ADDRESS,
      FAILURE_WINDOW_MS,
    ),
    ofAccount: ctx.rateCounters.counter('sign-in-account', FAILURES_PER_ACCOUNT, FAILURE_WINDOW_MS),
  };
}

/**
 * Refuses (RATE_LIMITED, with `retryAfter` seconds) while the account is held from `address` or
 * from everywhere: asked before a password and before a second-step code alike.
 */
export function assertSignInAllowed(ctx: ServiceContext, address: string, rawEmail: string): void {
  const email = normalizeEmail(rawEmail);
  const throttle = throttleOf(ctx);
  const wait = Math.max(throttle.fromAddress.retryAfter(`${address} ${email}`), throttle.ofAccount.retryAfter(email));
  if (wait > 0)
    throw new AppError(
      'RATE_LIMITED',
      `Too many failed sign-ins for this account; try again in ${Math.ceil(wait / 60)} minutes.`,
      { extensions: { retryAfter: wait } },
    );
}

/** A wrong password or a wrong second-step code: one failure for the account, from `address`. */
export function countFailedSignIn(ctx: ServiceContext, address: string, rawEmail: string): void {
  const email = normalizeEmail(rawEmail);
  if (!email) return;
  const throttle = throttleOf(ctx);
  throttle.fromAddress.add(`${address} ${email}`);
  throttle.ofAccount.add(email);
}

/**
 * A password sign-in from the client `address`, under the throttle: undefined for a wrong email
 * or password (counted), RATE_LIMITED while the account is held, even for the right password.
 * An account with two-factor sign-in gets a pending step, not yet a session.
 */
export async function signInWithPasswordThrottled(
  ctx: ServiceContext,
  input: { email: string; password: string; address: string },
): Promise<SignInStep | undefined> {
  const email = normalizeEmail(input.email);
  assertSignInAllowed(ctx, input.address, email);
  const created = email && input.password ? await signInWithPassword(ctx, email, input.password) : undefined;
  if (!created) countFailedSignIn(ctx, input.address, email);
  return created;
}
