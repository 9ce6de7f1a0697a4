import type { FastifyRequest } from 'fastify';
import { type Actor, publicActor } from '../domain/actors.ts';
import { AppError } from '../domain/errors.ts';
import { authenticateApiKey } from '../services/api-keys/authenticate-api-key.ts';
import type { ServiceContext } from '../services/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

/**
 * Resolves the caller before the body is read. No credential makes the public actor, and each
 * service decides whether that is enough; a credential that is wrong is refused here at once.
 */
export function authenticate(ctx: ServiceContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || request.routeOptions.config.ownCredential) {
      request.actor = publicActor;
      return;
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <API key>".');
    const actor = await authenticateApiKey(ctx, match[1]);
    if (!actor) throw new AppError('UNAUTHENTICATED', 'The API key is unknown or revoked.');
    request.actor = actor;
  };
}
