import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { publicActor } from '../domain/actors.ts';
import type { Config } from '../config.ts';
import type { ServiceContext } from '../services/context.ts';
import { type NewSession, type PortalSession, authenticateSession } from '../services/users/sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The portal session behind the request's cookie, if it is a live one. */
    portalSession?: PortalSession;
  }
}

export const SESSION_COOKIE = 'licentia_session';

/**
 * Cookies of the portal: not readable by scripts, never sent by another site. Whether they are
 * HTTPS-only is the cookie plugin's default (`cookieSecurity`), so that every cookie agrees.
 */
export const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' } as const;

/**
 * HTTPS-only when this server's public address is https (a TLS-terminating proxy in front need not
 * be trusted for that), else when the request itself came over TLS.
 */
export function cookieSecurity(config: Config): true | 'auto' {
  return config.publicUrl?.startsWith('https:') ? true : 'auto';
}

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

const SIGNED_IN_HOME = '/portal';
const SAME_ORIGIN = 'http://next.invalid';

/**
 * Where to go after signing in: only a path of this site, never another site's address. Browsers
 * drop tabs and newlines from URLs and read a backslash as `/`, so `/\t/evil.example` would leave the site:
 * anything but printable ASCII, and any backslash, is refused rather than cleaned. The answer is
 * the path as a URL parser reads it, so the `Location` header carries only what was checked.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/[\x21-\x7e]*$/.test(next) || next.includes('\\')) return SIGNED_IN_HOME;
  if (next.startsWith('//')) return SIGNED_IN_HOME;
  const url = URL.canParse(next, SAME_ORIGIN) ? new URL(next, SAME_ORIGIN) : undefined;
  if (!url || url.origin !== SAME_ORIGIN || !url.pathname.startsWith('/') || url.pathname.startsWith('//'))
    return SIGNED_IN_HOME;
  return `${url.pathname}${url.search}${url.hash}`;
}
