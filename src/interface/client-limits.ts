import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { ServiceContext } from '../services/context.ts';
import { type GuessFamily, GuessBudget, type Presented, hashedAddress } from '../services/limits/guess-budget.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open to devices: a generous ceiling on all requests per client address applies. */
    publicLimited?: boolean;
    /** Failed guesses at this route (unknown codes, bad licences) count against the client's budget for the family. */
    guessLimited?: GuessFamily | false;
  }
  interface FastifyRequest {
    /** Set by a handler whose answer, though 200, means the caller guessed wrong. */
    guessFailed?: boolean;
    /** Set by a handler whose answer, though 200, tells that the presented code exists (a failed guess for a short code). */
    guessDisclosed?: boolean;
  }
}

const FORWARDED_WARNING_INTERVAL_MS = 10 * 60 * 1000;

/** The code or key and the licence a request presents, wherever the API and the portal put them. */
function presented(request: FastifyRequest): Presented {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
    string,
    unknown
  >;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  return {
    code: text(body.code) ?? text(body.key) ?? text(params.key),
    token: text(body.token) ?? text(body.license),
  };
}

/**
 * DESIGN.md §2 rule 5. Failed guesses are counted per address and route family (`GuessBudget`);
 * the check runs once the body is read, because a request that proves it is not guessing passes.
 * All requests to public endpoints are held to a generous ceiling per address as well, so a burst
 * of real activations from one office is limited by nothing else.
 */
export function registerClientLimits(app: FastifyInstance, ctx: ServiceContext): void {
  const budget = new GuessBudget(ctx);
  const requests = ctx.rateCounters.counter('public-requests', ctx.config.publicRequestsPerMinute);
  let lastForwardedWarning = Number.NEGATIVE_INFINITY;
  const refuse = (reply: FastifyReply, wait: number, message: string) => {
    reply.header('retry-after', String(wait));
    throw new AppError('RATE_LIMITED', message);
  };
  app.addHook('onRequest', async (request, reply) => {
    const { guessLimited, publicLimited } = request.routeOptions.config;
    if (!guessLimited && !publicLimited) return;
    if (!ctx.config.trustProxy && request.headers['x-forwarded-for'] !== undefined) {
      const now = Date.now();
      if (now - lastForwardedWarning >= FORWARDED_WARNING_INTERVAL_MS) {
        lastForwardedWarning = now;
        request.log.warn(
          'requests arrive with X-Forwarded-For but LICENTIA_TRUST_PROXY is off: every client behind the proxy ' +
            'shares its address, and with it one rate limit',
        );
      }
    }
    if (publicLimited) {
      const wait = requests.retryAfter(request.ip);
      if (wait > 0)
        refuse(reply, wait, `More than ${requests.max} requests a minute from this address; try again in ${wait} s.`);
      requests.add(request.ip);
    }
  });
  app.addHook('preHandler', async (request, reply) => {
    const family = request.routeOptions.config.guessLimited;
    if (!family) return;
    const wait = await budget.refusal(family, request.ip, presented(request));
    if (wait > 0) refuse(reply, wait, `Too many failed attempts from this address; try again in ${wait} s.`);
  });
  app.addHook('onResponse', async (request, reply) => {
    const family = request.routeOptions.config.guessLimited;
    if (!family) return;
    const outcome = {
      status: reply.statusCode,
      failed: request.guessFailed === true,
      disclosed: request.guessDisclosed === true,
      presented: presented(request),
    };
    if (await budget.record(family, request.ip, outcome))
      request.log.warn(
        { family, address: hashedAddress(request.ip), failures: budget.max },
        'an address is over its failed-guess budget and is refused until its failures slide out of the minute',
      );
  });
}
