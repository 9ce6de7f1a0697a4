import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { publicActor } from '../domain/actors.ts';
import type { ServiceContext } from '../services/context.ts';
import { type NewSession, type PortalSession, authenticateSession } from '../services/users/sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The portal session behind the request's cookie, if it is a live one. */
    portalSession?: PortalSession;
  }
}

export const SESSION_COOKIE = 'licentia_session';

/** Cookies of the portal: not readable by scripts, never sent by another site, HTTPS-only when served over TLS. */
export const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' } as const;

/**
 * Portal pages act as the signed-in user: the session cookie becomes the request's actor, so the
 * services see a user exactly as they see an API key, with the same roles and scopes.
 */
export function registerSessions(app: FastifyInstance, ctx: ServiceContext): void {
  app.addHook('onRequest', async (request, reply) => {
    request.actor = publicActor;
    const secret = request.cookies[SESSION_COOKIE];
    if (!secret) return;
    const session = await authenticateSession(ctx, secret);
    if (!session) {
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return;
    }
    request.portalSession = session;
    request.actor = session.actor;
  });
}

export function startSessionCookie(reply: FastifyReply, created: NewSession): void {
  reply.setCookie(SESSION_COOKIE, created.secret, { ...cookieOptions, expires: new Date(created.session.expiresAt) });
}

export function endSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions);
}

/** Thrown by pages that need a signed-in person; the portal's error handler sends them to sign in. */
export class SignInRequired extends Error {
  constructor() {
    super('Please sign in.');
  }
}

export function signedIn(request: FastifyRequest): PortalSession {
  if (!request.portalSession) throw new SignInRequired();
  return request.portalSession;
}

/** Where to go after signing in: only a path of this site, never another site's address. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\'))
    return '/portal';
  return next;
}
