import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The answer carries a secret (an API key, a licence): no cache, shared or private, may keep it. */
    secretAnswer?: boolean;
  }
}

const ONE_YEAR_S = 365 * 24 * 60 * 60;

/** HSTS is on when this server's public address is https, unless `LICENTIA_HSTS` says otherwise. */
export function hstsEnabled(config: Config): boolean {
  return config.hsts ?? config.publicUrl?.startsWith('https:') === true;
}

/**
 * Headers every answer carries: no content sniffing (a problem document or a CSV is never run as
 * HTML), `no-store` on answers with secrets, and Strict-Transport-Security when enabled.
 */
export function registerSecurityHeaders(app: FastifyInstance, config: Config): void {
  const hsts = hstsEnabled(config) ? `max-age=${ONE_YEAR_S}` : undefined;
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (hsts) reply.header('strict-transport-security', hsts);
    if (request.routeOptions.config?.secretAnswer) {
      reply.header('cache-control', 'no-store');
      reply.header('pragma', 'no-cache');
    }
  });
}
