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
import { registerClientLimits } from './client-limits.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { registerDraining } from './draining.ts';
import type { Metrics } from './metrics.ts';
import { requestIdOf } from './request-id.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface AppOptions {
  logger: Logger | false;
  /** Counts every request; serves GET /metrics to a bearer of the metrics token, if one is set. */
  metrics?: Metrics;
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

/**
 * The one Fastify instance the API and the portal are both mounted on (by `src/server.ts`), with
 * what applies to every request whichever door it comes through: strict validation, problem
 * answers, the JSON parser, the caller's credential, the per-address limits and the request log.
 */
export function createApp(ctx: ServiceContext, options: AppOptions): App {
  const app = Fastify({
    loggerInstance: options.logger === false ? undefined : (options.logger as FastifyBaseLogger),
    logger: options.logger === false ? false : undefined,
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
    // Every log line of a request carries its ID, which is echoed back and put in problems.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Our own hook answers during shutdown, with a problem document.
    return503OnClosing: false,
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

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerDraining(app);
  options.metrics?.observe(app);
  options.metrics?.route(app, ctx.config.metricsToken);
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
  return app;
}
