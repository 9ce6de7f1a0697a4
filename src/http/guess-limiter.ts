import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Failed guesses at this route (unknown codes, bad licences) count against the client's limit. */
    guessLimited?: boolean;
  }
  interface FastifyRequest {
    /** Set by a handler whose answer, though 200, means the caller guessed wrong. */
    guessFailed?: boolean;
  }
}

/**
 * Failed attempts at codes, licences and keys, counted per client address in fixed one-minute
 * windows. Past the limit, the address is refused at every guess-limited route until its window
 * ends (`429` with `Retry-After`). Only failures count, so a burst of real activations from one
 * office is never slowed by it. Counts are per server process.
 */
export class GuessLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly maxFailures: number,
    readonly windowMs = 60_000,
    readonly maxAddresses = 100_000,
  ) {}

  /** Seconds until the address may try again; 0 when it may now. */
  retryAfter(address: string, now = Date.now()): number {
    const window = this.#windows.get(address);
    if (!window || now - window.start >= this.windowMs || window.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  recordFailure(address: string, now = Date.now()): void {
    const window = this.#windows.get(address);
    if (window && now - window.start < this.windowMs) {
      window.failures += 1;
      return;
    }
    if (this.#windows.size >= this.maxAddresses) this.#sweep(now);
    this.#windows.set(address, { start: now, failures: 1 });
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows) if (now - window.start >= this.windowMs) this.#windows.delete(address);
    // Still full of live windows: forget the oldest rather than grow without bound.
    while (this.#windows.size >= this.maxAddresses) {
      const oldest = this.#windows.keys().next();
      if (oldest.done) break;
      this.#windows.delete(oldest.value);
    }
  }
}

export function registerGuessLimiter(app: FastifyInstance, limiter: GuessLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config.guessLimited) return;
    const wait = limiter.retryAfter(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new AppError('RATE_LIMITED', `Too many failed attempts from this address; try again in ${wait} s.`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!request.routeOptions.config.guessLimited) return;
    if (reply.statusCode === 404 || request.guessFailed) limiter.recordFailure(request.ip);
  });
}
