import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type FieldError } from '../domain/errors.ts';
import { isDatabaseUnavailable } from '../store/database.ts';

/** The one place where error codes become HTTP statuses (DESIGN.md §4). */
const statusOf: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NOT_ACCEPTABLE: 406,
  ALREADY_EXISTS: 409,
  INVALID_STATE: 409,
  ALREADY_REDEEMED: 409,
  COUNT_EXCEEDED: 409,
  REHOST_LIMIT_REACHED: 409,
  IDEMPOTENCY_CONFLICT: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_REFERENCE: 422,
  UNPROCESSABLE: 422,
  REGISTRATION_REQUIRED: 422,
  REGISTRATION_NOT_ALLOWED: 422,
  KEYS_REJECTED: 422,
  UPGRADE_NOT_ALLOWED: 422,
  UPGRADE_CYCLE: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  fields?: FieldError[];
  [extension: string]: unknown;
}

export function statusOfError(error: AppError): number {
  return statusOf[error.code];
}

export function problemOf(error: AppError): ProblemDocument {
  const status = statusOf[error.code];
  return {
    ...error.extensions,
    type: `https://licentia.dev/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: titles[status] ?? 'Error',
    status,
    detail: error.message,
    code: error.code,
    ...(error.fields && { fields: error.fields }),
  };
}

/** A refusal that says when to come back (`retryAfter` seconds) tells clients in the standard header too. */
export function setRetryAfter(reply: FastifyReply, error: AppError): void {
  const wait = error.extensions?.retryAfter;
  if (typeof wait === 'number' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(wait));
}

const problemCodes = new WeakMap<FastifyRequest, ErrorCode>();

/** The code of the problem this request was answered with, if it was (for metrics). */
export function problemCodeOf(request: FastifyRequest): ErrorCode | undefined {
  return problemCodes.get(request);
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  problemCodes.set(reply.request, error.code);
  // The request's ID, as in its log lines and X-Request-Id: what a support ticket quotes.
  const problem = { ...problemOf(error), instance: `urn:licentia:request:${reply.request.id}` };
  if (error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
  setRetryAfter(reply, error);
  if (error.code === 'UNAVAILABLE') reply.header('retry-after', '5');
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

interface SchemaViolation {
  instancePath: string;
  message?: string | undefined;
  params: Record<string, unknown>;
}

/**
 * Schema violations (Ajv's errors) as one VALIDATION_FAILED with a JSON pointer per failing field,
 * whether they come from an API request or a portal form validated against the same schema.
 */
export function validationError(violations: readonly SchemaViolation[], context?: string): AppError {
  const fields = violations.map((v) => {
    const extra = v.params.missingProperty ?? v.params.additionalProperty;
    const prefix = context ? `/${context}` : '';
    const field = `${prefix}${v.instancePath || ''}${extra === undefined ? '' : `/${String(extra)}`}` || '/';
    const message = v.params.additionalProperty !== undefined ? 'is not a known field' : (v.message ?? 'is invalid');
    return { field, message };
  });
  const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
  return new AppError('VALIDATION_FAILED', `The request is not valid: ${summary}.`, { fields });
}

/** Fastify's own errors (parsing, validation, limits) in the same problem shape as ours. */
export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const context =
      fastifyError.validationContext && fastifyError.validationContext !== 'body'
        ? fastifyError.validationContext
        : undefined;
    return validationError(fastifyError.validation, context);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'This endpoint does not accept that content type.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('MALFORMED_REQUEST', 'The body is empty but its content type says JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('MALFORMED_REQUEST', 'The Content-Length does not match the body.');
  }
  if (fastifyError.statusCode === 429) return new AppError('RATE_LIMITED', fastifyError.message);
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('MALFORMED_REQUEST', 'The body is not valid JSON.');
  }
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError('MALFORMED_REQUEST', fastifyError.message);
  }
  if (isDatabaseUnavailable(error)) {
    return new AppError('UNAVAILABLE', 'The database is out of reach for the moment; try again shortly.', {
      cause: error,
    });
  }
  return new AppError('INTERNAL', 'Something went wrong on our side; it has been logged.', { cause: error });
}

export function errorHandler(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error');
  if (appError.code === 'UNAVAILABLE') request.log.warn({ err: error }, 'database unavailable');
  return sendProblem(reply, appError);
}

/**
 * Errors Node's HTTP parser meets before there is a request to route (headers or a URL over the
 * 16 KB limit, a timeout, bytes that are not HTTP), answered as the same problem document as every
 * other refusal, then the connection is closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('HEADERS_TOO_LARGE', 'The request line and headers are larger than this server reads (16 KB).')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('REQUEST_TIMEOUT', 'The request did not arrive in time.')
        : new AppError('MALFORMED_REQUEST', 'The request is not valid HTTP.');
  const problem = problemOf(appError);
  const body = JSON.stringify(problem);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}
