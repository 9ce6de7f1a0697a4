/**
 * The closed set of error codes Licentia answers with. The HTTP layer maps each code to a
 * status in one place (src/interface/problem.ts); services and the store only ever throw AppError.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'MALFORMED_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INVALID_STATE',
  'ALREADY_REDEEMED',
  'COUNT_EXCEEDED',
  'REHOST_LIMIT_REACHED',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_ACCEPTABLE',
  'UNKNOWN_REFERENCE',
  'UNPROCESSABLE',
  'REGISTRATION_REQUIRED',
  'REGISTRATION_NOT_ALLOWED',
  'KEYS_REJECTED',
  'UPGRADE_NOT_ALLOWED',
  'UPGRADE_CYCLE',
  'IDEMPOTENCY_CONFLICT',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface FieldError {
  /** JSON pointer into the request, e.g. `/lineItems/0/quantity`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[] | undefined;
  /** Extra members of the problem document, e.g. the rejected keys of a load. */
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { fields?: FieldError[]; extensions?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fields = options.fields;
    this.extensions = options.extensions;
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} was not found.`);

export const invalidField = (field: string, message: string): AppError =>
  new AppError('VALIDATION_FAILED', message, { fields: [{ field, message }] });

export const unknownReference = (field: string, what: string): AppError =>
  new AppError('UNKNOWN_REFERENCE', `${what} does not exist.`, {
    fields: [{ field, message: `${what} does not exist` }],
  });
