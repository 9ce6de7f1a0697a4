import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import type { AppError } from '../domain/errors.ts';
import { setRetryAfter, statusOfError, toAppError } from '../interface/problem.ts';
import type { ServiceContext } from '../services/context.ts';
import { portalCsrfKey } from '../services/portal-secrets.ts';
import { registerAssets } from './assets.ts';
import { accountDetailPages } from './pages/account.tsx';
import { accountPages } from './pages/accounts.tsx';
import { activatePages } from './pages/activate.tsx';
import { activationPages } from './pages/activations.tsx';
import { apiKeyPages } from './pages/api-keys.tsx';
import { webhookPages } from './pages/webhooks.tsx';
import { catalogPages } from './pages/catalog.tsx';
import { featurePages } from './pages/catalog-features.tsx';
import { licenseModelPages } from './pages/catalog-license-models.tsx';
import { devicePages } from './pages/devices.tsx';
import { entitlementDetailPages } from './pages/entitlement-detail.tsx';
import { entitlementPages } from './pages/entitlements.tsx';
import { ErrorPage } from './pages/error-page.tsx';
import { eventPages } from './pages/events.tsx';
import { homePages } from './pages/home.tsx';
import { lineItemFormPages } from './pages/line-item-forms.tsx';
import { suggestionPages } from './pages/suggestions.tsx';
import { lineItemPages } from './pages/line-items.tsx';
import { registerKeyPages } from './pages/register-key.tsx';
import { reportPages } from './pages/reports.tsx';
import { statementPages } from './pages/partner-statement.tsx';
import { signInPages } from './pages/sign-in.tsx';
import { requireEnrolment, twoFactorPages } from './pages/two-factor.tsx';
import { twoFactorSignInPages } from './pages/two-factor-sign-in.tsx';
import { forgotPasswordPages } from './pages/forgot-password.tsx';
import { mailPages } from './pages/mail.tsx';
import { stockPages } from './pages/stock.tsx';
import { userDetailPages } from './pages/user.tsx';
import { userPages } from './pages/users.tsx';
import { webRegisterKeyPages } from './pages/web-register-keys.tsx';
import { createRenderer, csrfUserInfo } from './render.tsx';
import { SignInRequired, cookieOptions, cookieSecurity, registerSessions } from './session.ts';
import type { Web } from './web.ts';

/**
 * The portals: server-rendered pages for the producer's staff, partners and end customers, served
 * by the same process as the API and calling the same services, so no rule is written twice.
 */
export async function registerPortal(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  const csrfKey = await portalCsrfKey(ctx);
  await app.register(async (scope) => {
    await scope.register(cookie, { parseOptions: { secure: cookieSecurity(ctx.config) } });
    await scope.register(formbody, { bodyLimit: ctx.config.bodyLimitBytes });
    await scope.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'licentia_csrf',
      cookieOpts: cookieOptions,
      // Bound to the session, so a token cannot be planted from a sibling site's cookie.
      getUserInfo: (request: FastifyRequest) => csrfUserInfo(request),
      csrfOpts: { hmacKey: csrfKey },
      getToken: (request: FastifyRequest) => {
        const body = request.body as Record<string, unknown> | undefined;
        const fromBody = typeof body === 'object' && body !== null ? body._csrf : undefined;
        return typeof fromBody === 'string'
          ? fromBody
          : ((request.headers['x-csrf-token'] as string | undefined) ?? '');
      },
    });
    const assets = await registerAssets(scope);
    registerSessions(scope, ctx);
    const render = createRenderer(ctx, assets);
    const web: Web = { app: scope, ctx, render };

    // Every change through the portal carries the token of a page this server rendered.
    // A refused token is sent to the error handler by the plugin itself (reply.send of its error).
    scope.addHook('preHandler', (request, reply, done) => {
      if (request.method === 'GET' || request.method === 'HEAD' || request.routeOptions.config.csrfCheckedEarly)
        return done();
      scope.csrfProtection(request, reply, done);
    });

    scope.setErrorHandler(async (error: FastifyError | AppError | Error, request, reply) =>
      portalError(web, error, request, reply),
    );

    await signInPages(web);
    await twoFactorSignInPages(web);
    await forgotPasswordPages(web);
    await activatePages(web);
    await scope.register(
      async (portal) => {
        const inner: Web = { ...web, app: portal };
        requireEnrolment(portal, ctx);
        portal.setNotFoundHandler((request, reply) =>
          render.page(
            request,
            reply,
            h(ErrorPage, {
              status: 404,
              message: 'There is no such page. It may have moved, or the address may be mistyped.',
            }),
            { status: 404 },
          ),
        );
        await homePages(inner);
        await twoFactorPages(inner);
        await apiKeyPages(inner);
        await entitlementPages(inner);
        await entitlementDetailPages(inner);
        await lineItemPages(inner);
        await lineItemFormPages(inner);
        await suggestionPages(inner);
        await catalogPages(inner);
        await licenseModelPages(inner);
        await featurePages(inner);
        await accountPages(inner);
        await accountDetailPages(inner);
        await userPages(inner);
        await userDetailPages(inner);
        await webRegisterKeyPages(inner);
        await stockPages(inner);
        await registerKeyPages(inner);
        await activationPages(inner);
        await devicePages(inner);
        await reportPages(inner);
        await statementPages(inner);
        await eventPages(inner);
        await webhookPages(inner);
        await mailPages(inner);
      },
      { prefix: '/portal' },
    );
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks its CSRF token itself before reading the body (large uploads). */
    csrfCheckedEarly?: boolean;
  }
}

async function portalError(
  web: Web,
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (error instanceof SignInRequired) {
    if (request.method === 'GET')
      return reply
        .code(303)
        .header('location', `/sign-in?next=${encodeURIComponent(request.url)}`)
        .send();
    return web.render.page(
      request,
      reply,
      h(ErrorPage, { status: 401, message: 'Your session has ended. Please sign in again.' }),
      { status: 401 },
    );
  }
  const code = (error as FastifyError).code;
  if (code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET') {
    const message =
      'This form did not come from a page of this site, or it has expired. Go back, reload the page and try again.';
    return web.render.page(request, reply, h(ErrorPage, { status: 403, message }), { status: 403 });
  }
  const appError = toAppError(error);
  const status = statusOfError(appError);
  if (status >= 500) request.log.error({ err: error }, 'unhandled error');
  setRetryAfter(reply, appError);
  if (appError.code === 'RATE_LIMITED' && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
  const message = status >= 500 ? 'The problem has been logged. Please try again in a moment.' : appError.message;
  return web.render.page(request, reply, h(ErrorPage, { status, message }), { status });
}
