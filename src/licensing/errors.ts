/**
 * Why a licence, JWKS or offline request could not be read. The codes are stable so that the
 * server can map every one of them to `400 VALIDATION_FAILED` (with `field` as the failing member)
 * and the client and CLI can say what went wrong without parsing messages.
 */
export const licensingErrorCodes = [
  'MALFORMED_TOKEN',
  'MALFORMED_LICENSE_FILE',
  'MALFORMED_JWKS',
  'MALFORMED_ACTIVATION_REQUEST',
  'MALFORMED_RETURN_REQUEST',
  'RETURN_REQUEST_NOT_VERIFIED',
  'INVALID_INPUT',
] as const;

export type LicensingErrorCode = (typeof licensingErrorCodes)[number];

export class LicensingError extends Error {
  readonly code: LicensingErrorCode;
  /** JSON pointer into the decoded document (`/publicKey/x`), when one member is at fault. */
  readonly field: string | undefined;

  constructor(code: LicensingErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LicensingError';
    this.code = code;
    this.field = options.field;
  }
}
