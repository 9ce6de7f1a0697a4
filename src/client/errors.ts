/**
 * Everything the client throws about a request. `code` is the server's problem code
 * (`COUNT_EXCEEDED`, `NOT_FOUND`, `RATE_LIMITED`, …) or, when no problem document came back,
 * one of the client's own: `NETWORK_ERROR` (no answer, `status` 0), `TIMEOUT` (`status` 0),
 * `BAD_RESPONSE` (an answer that is not what the API promises).
 */
export class LicentiaError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  /** Seconds to wait before trying again, from `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;
  /** The whole problem document, with its extra members (e.g. `fields` for validation errors). */
  readonly problem: Readonly<Record<string, unknown>> | undefined;

  constructor(init: {
    status: number;
    code: string;
    detail: string;
    retryAfter?: number;
    problem?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(`${init.code}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'LicentiaError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.retryAfter = init.retryAfter;
    this.problem = init.problem;
  }

  /** The error an unsuccessful response stands for: its problem+json document when it has one. */
  static async fromResponse(response: Response, now: Date = new Date()): Promise<LicentiaError> {
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now);
    const text = await response.text().catch(() => '');
    let problem: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        problem = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: a proxy's error page, say. The status still tells what happened.
    }
    const code = typeof problem?.code === 'string' ? problem.code : `HTTP_${response.status}`;
    const detail =
      typeof problem?.detail === 'string'
        ? problem.detail
        : typeof problem?.title === 'string'
          ? problem.title
          : `the server answered ${response.status} ${response.statusText}`.trim();
    return new LicentiaError({
      status: response.status,
      code,
      detail,
      ...(retryAfter !== undefined && { retryAfter }),
      ...(problem && { problem }),
    });
  }
}

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // HTTP dates start with the day's name; Date.parse alone would take "-5" for a year.
  const at = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
