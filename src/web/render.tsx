import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JSX } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { getAccount } from '../services/accounts/read-accounts.ts';
import type { ServiceContext } from '../services/context.ts';
import { type Flash, PageContext, type PageInfo } from './page-context.ts';
import { cookieOptions } from './session.ts';
import { contentSecurityPolicy } from '../interface/content-security-policy.ts';

const FLASH_COOKIE = 'licentia_flash';

/** What a CSRF token is bound to: the session, or (before signing in) nothing in particular. */
export function csrfUserInfo(request: FastifyRequest): string {
  return request.portalSession?.sessionId ?? 'signed-out';
}

export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply): string {
  // A request refused before the portal's own hooks ran (rate limits) has no cookies parsed: its
  // error page carries no form to protect.
  if (!request.cookies) return '';
  return reply.generateCsrf({ userInfo: csrfUserInfo(request) });
}

/** A message shown once on the next page, after a redirect. */
export function flash(reply: FastifyReply, message: Flash): void {
  reply.setCookie(FLASH_COOKIE, Buffer.from(JSON.stringify(message)).toString('base64url'), {
    ...cookieOptions,
    maxAge: 60,
  });
}

function takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | undefined {
  const raw = request.cookies?.[FLASH_COOKIE];
  if (!raw) return undefined;
  reply.clearCookie(FLASH_COOKIE, cookieOptions);
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    if ((parsed.kind === 'success' || parsed.kind === 'error') && typeof parsed.text === 'string')
      return { kind: parsed.kind, text: parsed.text.slice(0, 500) };
  } catch {
    // A cookie we did not write: ignore it.
  }
  return undefined;
}

export interface Renderer {
  /**
   * Answers with a whole page (or, for an htmx request, whatever `node` is). `fragment` answers
   * `node` alone for any request, e.g. the answer to an upload that portal.js puts into the page.
   */
  page(
    request: FastifyRequest,
    reply: FastifyReply,
    node: JSX.Element,
    options?: { status?: number; fragment?: boolean },
  ): Promise<FastifyReply>;
  /** After a change: go to `location`, with a message shown there once. */
  redirect(reply: FastifyReply, location: string, message?: string): FastifyReply;
}

export function createRenderer(ctx: ServiceContext, assets: PageInfo['assets']): Renderer {
  return {
    async page(request, reply, node, options = {}) {
      const session = request.portalSession;
      const accountName = session?.user.accountId
        ? (await getAccount(ctx, session.actor, session.user.accountId)).name
        : undefined;
      const info: PageInfo = {
        session,
        accountName,
        csrfToken: csrfTokenFor(request, reply),
        path: request.url.split('?')[0] ?? '/',
        flash: takeFlash(request, reply),
        assets,
        ids: new Map(),
      };
      const html = renderToString(<PageContext.Provider value={info}>{node}</PageContext.Provider>);
      reply
        .code(options.status ?? 200)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', contentSecurityPolicy)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store');
      const fragment =
        options.fragment === true ||
        (request.headers['hx-request'] === 'true' && request.headers['hx-boosted'] !== 'true');
      return reply.send(fragment ? html : `<!doctype html>\n${html}`);
    },
    redirect(reply, location, message) {
      if (message) flash(reply, { kind: 'success', text: message });
      return reply.code(303).header('location', location).send();
    },
  };
}
