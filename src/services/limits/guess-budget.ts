import { createHash } from 'node:crypto';
import { isGuessableCode } from '../../domain/codes.ts';
import { isSignedLicense } from '../activations/validate-license.ts';
import type { ServiceContext } from '../context.ts';
import type { RateCounter } from './rate-counters.ts';

/**
 * Routes that answer whether a secret exists, grouped so that failures at one kind (sign-in
 * passwords) never lock an address out of another (activating a device).
 */
export type GuessFamily = 'activation' | 'validation' | 'keys' | 'sign-in';

/** What a request presented that may be a guess: a code or key, a licence token. */
export interface Presented {
  code?: string | undefined;
  token?: string | undefined;
}

/** How a guess-limited request ended. */
export interface GuessOutcome {
  status: number;
  /** The handler says the answer, though a success status, means the secret was not found. */
  failed: boolean;
  /**
   * The handler says the answer, though not a refusal for want of the secret, tells that the
   * presented code exists (validating it with another device's fingerprint): like a 409.
   */
  disclosed?: boolean;
  presented: Presented;
}

const WINDOW_MS = 60_000;

/**
 * DESIGN.md §2 rule 5, the failed-guess budget: failures are counted per client address and route
 * family over a sliding minute (src/domain/sliding-window.ts), on the shared limit counters (one
 * budget across every server). Past the budget the family refuses that address, except for a
 * request that proves it is not guessing: a licence this server signed, or a code too long to
 * guess (an honest device behind the same proxy as a guesser keeps working; a guesser gains
 * nothing from an answer about a code it could never have found). Short codes get no such pass,
 * and for them even a 409 (known, but used up) or a validation's FINGERPRINT_MISMATCH counts, since
 * it tells the guesser the code exists.
 */
export class GuessBudget {
  readonly #ctx: ServiceContext;
  readonly #failures: RateCounter;

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
    this.#failures = ctx.rateCounters.counter('failed-guesses', ctx.config.failedAttemptsPerMinute, WINDOW_MS);
  }

  get max(): number {
    return this.#failures.max;
  }

  /** Seconds until `address` may guess at `family` again; 0 when the request may go on. */
  async refusal(family: GuessFamily, address: string, presented: Presented): Promise<number> {
    const wait = this.#failures.retryAfter(`${family} ${address}`);
    if (wait === 0 || (family !== 'sign-in' && (await this.#provesItself(presented)))) return 0;
    return wait;
  }

  /** Counts the request if it was a failed guess; answers whether that put the address over budget just now. */
  async record(family: GuessFamily, address: string, outcome: GuessOutcome): Promise<boolean> {
    if (!isFailedGuess(outcome)) return false;
    const key = `${family} ${address}`;
    const before = this.#failures.retryAfter(key);
    this.#failures.add(key);
    return before === 0 && this.#failures.retryAfter(key) > 0;
  }

  async #provesItself({ code, token }: Presented): Promise<boolean> {
    if (code !== undefined && !isGuessableCode(code)) return true;
    return token !== undefined && (await isSignedLicense(this.#ctx, token));
  }
}

export function isFailedGuess({ status, failed, disclosed, presented }: GuessOutcome): boolean {
  if (status === 404 || failed) return true;
  return (status === 409 || disclosed === true) && presented.code !== undefined && isGuessableCode(presented.code);
}

/**
 * How a refused address is logged: an operator can find it by hashing a suspect address the same
 * way (`printf %s 203.0.113.9 | sha256sum`, first 16 characters), but the log keeps no addresses.
 */
export function hashedAddress(address: string): string {
  return createHash('sha256').update(address).digest('hex').slice(0, 16);
}
