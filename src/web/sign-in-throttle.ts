import type { FastifyReply } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { ServiceContext } from '../services/context.ts';
import type { RateCounter } from '../services/limits/rate-counters.ts';

/**
 * Failed passwords and failed second-step codes are counted per account and client address, so
 * that nobody locks a person out from elsewhere by failing on purpose; and, more loosely, per
 * account from anywhere, against guessing spread over many addresses. Each address is also held to
 * the failed-guess limit of every public endpoint (DESIGN.md §4). One pair of counters per server,
 * shared by the password and the code pages, so that a guess counts the same on either.
 */
const FAILURES_PER_ACCOUNT_AND_ADDRESS = 10;
const FAILURES_PER_ACCOUNT = 50;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;

export interface SignInThrottle {
  /** Refuses (429) while the account is stopped from this address or from everywhere. */
  check(reply: FastifyReply, ip: string, email: string): void;
  fail(ip: string, email: string): void;
}

const throttles = new WeakMap<ServiceContext, SignInThrottle>();

export function signInThrottle(ctx: ServiceContext): SignInThrottle {
  let throttle = throttles.get(ctx);
  if (!throttle) {
    throttle = createThrottle(
      ctx.rateCounters.counter('sign-in-account-address', FAILURES_PER_ACCOUNT_AND_ADDRESS, FAILURE_WINDOW_MS),
      ctx.rateCounters.counter('sign-in-account', FAILURES_PER_ACCOUNT, FAILURE_WINDOW_MS),
    );
    throttles.set(ctx, throttle);
  }
  return throttle;
}

function createThrottle(fromAddress: RateCounter, ofAccount: RateCounter): SignInThrottle {
  return {
    check(reply, ip, email) {
      const wait = Math.max(fromAddress.retryAfter(`${ip} ${email}`), ofAccount.retryAfter(email));
      if (wait <= 0) return;
      reply.header('retry-after', String(wait));
      throw new AppError(
        'RATE_LIMITED',
        `Too many failed sign-ins for this account; try again in ${Math.ceil(wait / 60)} minutes.`,
      );
    },
    fail(ip, email) {
      fromAddress.add(`${ip} ${email}`);
      ofAccount.add(email);
    },
  };
}
