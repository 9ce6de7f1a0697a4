import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../config.ts';
import { AppError } from '../domain/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open to devices: a generous ceiling on all requests per client address applies. */
    publicLimited?: boolean;
    /** Failed guesses at this route (unknown codes, bad licences) count against the client's limit. */
    guessLimited?: boolean;
  }
  interface FastifyRequest {
    /** Set by a handler whose answer, though 200, means the caller guessed wrong. */
    guessFailed?: boolean;
  }
}

/**
 * Counts per client address in fixed one-minute windows. One Map lookup per request: this runs
 * on every activation and validation, so it is kept simpler than a general rate-limit plugin.
 * Counts are per server process.
 */
export class WindowCounter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max: number,
    readonly windowMs = 60_000,
    readonly maxAddresses = 100_000,
  ) {}

  /** Seconds until the address is under its limit again; 0 when it is under it now. */
  retryAfter(address: string, now = Date.now()): number {
    const window = this.#windows.get(address);
    if (!window || now - window.start >= this.windowMs || window.count < this.max) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  add(address: string, now = Date.now()): void {
    const window = this.#windows.get(address);
    if (window && now - window.start < this.windowMs) {
      window.count += 1;
      return;
    }
    if (this.#windows.size >= this.maxAddresses) this.#sweep(now);
    this.#windows.set(address, { start: now, count: 1 });
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows)
      if (now - window.start >= this.windowMs) this.#windows.delete(address);
    // Still full of live windows: forget the oldest rather than grow without bound.
    while (this.#windows.size >= this.maxAddresses) {
      const oldest = this.#windows.keys().next();
      if (oldest.done) break;
      this.#windows.delete(oldest.value);
    }
  }
}

/**
 * DESIGN.md §2 rule 5. Failed guesses (unknown codes, bad licences, unknown keys) are counted per
 * address; past `failedAttemptsPerMinute` the address is refused at every guess-limited route until
 * its window ends. Only failures count, so a burst of real activations from one office is limited
 * by nothing but the generous `publicRequestsPerMinute` ceiling.
 */
export function registerClientLimits(app: FastifyInstance, config: Config): void {
  const failures = new WindowCounter(config.failedAttemptsPerMinute);
  const requests = new WindowCounter(config.publicRequestsPerMinute);
  const refuse = (reply: FastifyReply, wait: number, message: string) => {
    reply.header('retry-after', String(wait));
    throw new AppError('RATE_LIMITED', message);
  };
  app.addHook('onRequest', async (request, reply) => {
    const { guessLimited, publicLimited } = request.routeOptions.config;
    if (guessLimited) {
      const wait = failures.retryAfter(request.ip);
      if (wait > 0) refuse(reply, wait, `Too many failed attempts from this address; try again in ${wait} s.`);
    }
    if (publicLimited) {
      const wait = requests.retryAfter(request.ip);
      if (wait > 0)
        refuse(reply, wait, `More than ${requests.max} requests a minute from this address; try again in ${wait} s.`);
      requests.add(request.ip);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!request.routeOptions.config.guessLimited) return;
    if (reply.statusCode === 404 || request.guessFailed) failures.add(request.ip);
  });
}
