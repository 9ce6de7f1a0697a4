import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { ServiceContext } from '../services/context.ts';

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
 * DESIGN.md §2 rule 5. Failed guesses (unknown codes, bad licences, unknown keys) are counted per
 * address; past `failedAttemptsPerMinute` the address is refused at every guess-limited route until
 * its window ends. Only failures count, so a burst of real activations from one office is limited
 * by nothing but the generous `publicRequestsPerMinute` ceiling.
 */
export function registerClientLimits(app: FastifyInstance, ctx: ServiceContext): void {
  const failures = ctx.counts('guesses', ctx.config.failedAttemptsPerMinute, 60_000);
  const requests = ctx.counts('public-requests', ctx.config.publicRequestsPerMinute, 60_000);
  const refuse = (reply: FastifyReply, wait: number, message: string) => {
    reply.header('retry-after', String(wait));
    throw new AppError('RATE_LIMITED', message);
  };
  app.addHook('onRequest', async (request, reply) => {
    const { guessLimited, publicLimited } = request.routeOptions.config;
    if (guessLimited) {
      const wait = await failures.retryAfter(request.ip);
      if (wait > 0) refuse(reply, wait, `Too many failed attempts from this address; try again in ${wait} s.`);
    }
    if (publicLimited) {
      const wait = await requests.retryAfter(request.ip);
      if (wait > 0)
        refuse(reply, wait, `More than ${requests.max} requests a minute from this address; try again in ${wait} s.`);
      await requests.add(request.ip);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!request.routeOptions.config.guessLimited) return;
    if (reply.statusCode === 404 || request.guessFailed) await failures.add(request.ip);
  });
}
