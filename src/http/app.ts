import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import type { Logger } from 'pino';
import addFormatsModule from 'ajv-formats';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { ServiceContext } from '../services/context.ts';
import { authenticate } from './auth.ts';
import { registerJsonParser } from './json-body.ts';
import { answerClientError, errorHandler, sendProblem } from './problem.ts';
import { accountRoutes } from './routes/accounts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { entitlementRoutes } from './routes/entitlements.ts';
import { eventRoutes } from './routes/events.ts';
import { lineItemRoutes } from './routes/line-items.ts';
import { publicDocumentRoutes } from './routes/public-documents.ts';
import { webRegisterKeyRoutes } from './routes/web-register-keys.ts';
import { activationRoutes } from './routes/activations.ts';
import { deviceRoutes } from './routes/devices.ts';
import { leaseRoutes } from './routes/leases.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { reportRoutes } from './routes/reports.ts';
import { licenseRoutes } from './routes/licenses.ts';
import { registerClientLimits } from './client-limits.ts';
import { docsContentSecurityPolicy, registerSecurityHeaders } from './security-headers.ts';
import { userRoutes } from './routes/users.ts';
import { registerPortal } from '../web/portal.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface AppOptions {
  logger: Logger | false;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Bodies are validated strictly (no type coercion, unknown members refused); query strings and
 * path parameters are text by nature and coerced to the declared types.
 */
function validators(): Record<string, Ajv> {
  const base: AjvOptions = {
    allErrors: true,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
    discriminator: true,
  };
  const body = addFormats(new Ajv({ ...base, coerceTypes: false }));
  const text = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  return { body, querystring: text, params: text, headers: text };
}

export async function buildApp(ctx: ServiceContext, options: AppOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: options.logger === false ? undefined : (options.logger as FastifyBaseLogger),
    logger: options.logger === false ? false : undefined,
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: (error, _request, reply) =>
      sendProblem(
        reply,
        new AppError('MALFORMED_REQUEST', error.code === 'FST_ERR_BAD_URL' ? 'The URL is not valid.' : error.message),
      ),
  }).withTypeProvider<TypeBoxTypeProvider>() as App;

  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const compiler = ajv[httpPart ?? 'body'] ?? ajv.body;
    if (!compiler) throw new Error('no validator');
    return compiler.compile(schema);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new AppError('NOT_FOUND', `There is no ${request.method} ${request.routeOptions.url ?? 'route'} here.`),
    ),
  );
  registerJsonParser(app);

  app.addHook('onRequest', async (request) => {
    // %00 in a path or query would reach the database as a NUL character.
    if (/%00/.test(request.url)) throw new AppError('MALFORMED_REQUEST', 'The URL contains a NUL character.');
  });
  app.addHook('onRequest', authenticate(ctx));
  // A POST without a body is an empty object, so that optional-body routes validate it as such.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  registerClientLimits(app, ctx);
  registerSecurityHeaders(app, ctx.config);
  const logRequests = options.logger !== false && options.logger.isLevelEnabled('info');
  app.addHook('onResponse', async (request, reply) => {
    if (!logRequests) return;
    // The route pattern, never the URL: paths carry activation codes and keys.
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(unmatched)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  // Before the API documentation, so that its pages are not taken for API operations.
  await registerPortal(app, ctx);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Licentia API',
        version: '1',
        description:
          'Entitlements, activation codes, web register keys, signed licences and partner billing. ' +
          'Authenticate with `Authorization: Bearer <API key>`; activation, validation and leases are open to devices.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Licentia API key' } },
      },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: docsContentSecurityPolicy,
  });

  await app.register(
    async (api) => {
      const typed = api as App;
      await apiKeyRoutes(typed, ctx);
      await catalogRoutes(typed, ctx);
      await accountRoutes(typed, ctx);
      await userRoutes(typed, ctx);
      await entitlementRoutes(typed, ctx);
      await lineItemRoutes(typed, ctx);
      await webRegisterKeyRoutes(typed, ctx);
      await activationRoutes(typed, ctx);
      await licenseRoutes(typed, ctx);
      await leaseRoutes(typed, ctx);
      await deviceRoutes(typed, ctx);
      await lifecycleRoutes(typed, ctx);
      await reportRoutes(typed, ctx);
      await eventRoutes(typed, ctx);
    },
    { prefix: '/api/v1' },
  );
  await publicDocumentRoutes(app, ctx);
  return app;
}
