import { decodeLicense } from '../licensing/license-token.ts';
import { readLicenseToken } from '../licensing/license-file.ts';
import { LicentiaError } from './errors.ts';
import {
  type ActivateInput,
  type Activation,
  type ActivationResult,
  type Lease,
  type LeaseInput,
  type ValidateInput,
  type ValidationResult,
  validationCodes,
} from './types.ts';

export interface LicentiaClientOptions {
  /** Where the server is, e.g. `https://licensing.example.com` (paths under it are kept). */
  baseUrl: string | URL;
  /** For tests, proxies or instrumentation; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

/** Raw answer of one request: the parsed JSON and when the server says it answered. */
interface Answer {
  status: number;
  body: unknown;
  serverDate: number;
}

/**
 * The endpoints a device needs (DESIGN.md §3). None takes an API key: a device proves itself with
 * its activation code, its licence or its lease. Failures are LicentiaError, never a bare Response.
 */
export class LicentiaClient {
  readonly baseUrl: URL;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: LicentiaClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw new TypeError(`baseUrl must be http(s), not ${base.protocol}`);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.baseUrl = base;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** `201` for a new activation, `200` with the same licence when this fingerprint already has one. */
  async activate(input: ActivateInput): Promise<ActivationResult> {
    const answer = await this.#send('POST', 'api/v1/activations', { json: input }, [200, 201]);
    return activationResult(answer);
  }

  async validate(input: ValidateInput): Promise<ValidationResult> {
    const { body } = await this.#send('POST', 'api/v1/licenses/validate', { json: input }, [200]);
    if (
      !isRecord(body) ||
      typeof body.valid !== 'boolean' ||
      !validationCodes.includes(body.code as ValidationResult['code'])
    ) {
      throw badResponse('a validation result', body);
    }
    return body as ValidationResult;
  }

  /**
   * Gives the licence's count back. The licence (file or token) is the proof of holding it; the
   * activation is the licence's own `jti` unless named.
   */
  async returnActivation(input: { license: string; id?: string }): Promise<Activation> {
    const token = readLicenseToken(input.license);
    const id = input.id ?? decodeLicense(token).claims.jti;
    const { body } = await this.#send(
      'POST',
      `api/v1/activations/${encodeURIComponent(id)}/return`,
      { json: { token } },
      [200],
    );
    return activation(body);
  }

  /** Offline activation: the text of an activation request (see createActivationRequest). */
  async activateOffline(requestText: string): Promise<ActivationResult> {
    return activationResult(await this.#send('POST', 'api/v1/activations/offline', { text: requestText }, [200, 201]));
  }

  /** Offline return: the text of a return request signed by the device key. */
  async returnOffline(requestText: string): Promise<Activation> {
    const { body } = await this.#send('POST', 'api/v1/activations/offline/return', { text: requestText }, [200]);
    return activation(body);
  }

  /** The server's public keys. Verify with keys pinned in the application, not with these fetched ones. */
  async fetchJwks(): Promise<{ keys: Record<string, unknown>[] }> {
    const { body } = await this.#send('GET', '.well-known/jwks.json', {}, [200]);
    if (!isRecord(body) || !Array.isArray(body.keys)) throw badResponse('a JWKS', body);
    return body as { keys: Record<string, unknown>[] };
  }

  /** A floating seat. A full pool is a LicentiaError with status 409 and code COUNT_EXCEEDED. */
  async checkoutLease(input: LeaseInput): Promise<Lease> {
    return lease(await this.#send('POST', 'api/v1/leases', { json: input }, [200, 201]));
  }

  async heartbeat(leaseId: string, fingerprint: string): Promise<Lease> {
    return lease(
      await this.#send(
        'POST',
        `api/v1/leases/${encodeURIComponent(leaseId)}/heartbeat`,
        { json: { fingerprint } },
        [200],
      ),
    );
  }

  async release(leaseId: string, fingerprint: string): Promise<void> {
    await this.#send(
      'POST',
      `api/v1/leases/${encodeURIComponent(leaseId)}/release`,
      { json: { fingerprint } },
      [200, 204],
    );
  }

  async #send(
    method: string,
    path: string,
    payload: { json?: unknown; text?: string },
    expected: number[],
  ): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    let body: string | undefined;
    if (payload.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(payload.json);
    } else if (payload.text !== undefined) {
      headers['content-type'] = 'text/plain; charset=utf-8';
      body = payload.text;
    }
    let response: Response;
    try {
      response = await this.#fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new LicentiaError({
        status: 0,
        code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        detail: timedOut
          ? `no answer from ${this.baseUrl.origin} within ${this.#timeoutMs} ms`
          : `could not reach ${this.baseUrl.origin}: ${describe(error)}`,
        cause: error,
      });
    }
    if (!expected.includes(response.status)) {
      if (response.ok) {
        await response.body?.cancel();
        throw new LicentiaError({
          status: response.status,
          code: 'BAD_RESPONSE',
          detail: `unexpected status ${response.status} for ${method} /${path}`,
        });
      }
      throw await LicentiaError.fromResponse(response);
    }
    const dateHeader = Date.parse(response.headers.get('date') ?? '');
    const serverDate = Number.isNaN(dateHeader) ? Date.now() : dateHeader;
    const text = await response.text();
    if (text.length === 0) return { status: response.status, body: undefined, serverDate };
    try {
      return { status: response.status, body: JSON.parse(text) as unknown, serverDate };
    } catch (error) {
      throw new LicentiaError({
        status: response.status,
        code: 'BAD_RESPONSE',
        detail: `the answer to ${method} /${path} is not JSON`,
        cause: error,
      });
    }
  }
}

function activationResult({ status, body }: Answer): ActivationResult {
  if (
    !isRecord(body) ||
    !isRecord(body.license) ||
    typeof body.license.token !== 'string' ||
    typeof body.license.file !== 'string'
  ) {
    throw badResponse('an activation with its licence', body, status);
  }
  return {
    created: status === 201,
    activation: activation(body.activation, status),
    license: { token: body.license.token, file: body.license.file },
  };
}

function activation(body: unknown, status = 200): Activation {
  if (
    !isRecord(body) ||
    typeof body.id !== 'string' ||
    typeof body.activationId !== 'string' ||
    typeof body.fingerprint !== 'string' ||
    typeof body.state !== 'string' ||
    typeof body.count !== 'number'
  ) {
    throw badResponse('an activation', body, status);
  }
  return body as unknown as Activation;
}

function lease({ status, body, serverDate }: Answer): Lease {
  if (
    !isRecord(body) ||
    typeof body.id !== 'string' ||
    typeof body.expiresAt !== 'string' ||
    Number.isNaN(Date.parse(body.expiresAt))
  ) {
    throw badResponse('a lease', body, status);
  }
  const ttlSeconds = Math.max(0, (Date.parse(body.expiresAt) - serverDate) / 1000);
  return { ...(body as unknown as Omit<Lease, 'ttlSeconds'>), ttlSeconds };
}

function badResponse(what: string, body: unknown, status = 200): LicentiaError {
  const shown = JSON.stringify(body)?.slice(0, 200) ?? String(body);
  return new LicentiaError({ status, code: 'BAD_RESPONSE', detail: `expected ${what}, got ${shown}` });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
