import type { Config } from '../config.ts';

/**
 * Route config for the endpoints open to devices: a generous ceiling on all requests per client
 * address (@fastify/rate-limit), and failed guesses counted separately (guess-limiter.ts).
 */
export function publicRoute(config: Config, options: { guessLimited: boolean }) {
  return {
    guessLimited: options.guessLimited,
    rateLimit: { max: config.publicRequestsPerMinute, timeWindow: 60_000 },
  };
}

/** OpenAPI: no credential needed. */
export const open = [] as { [name: string]: string[] }[];
