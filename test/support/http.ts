import type { RouteBody } from './api-routes.ts';

/** A small client over real HTTP (fetch), as a device or an integrator would call Licentia. */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  key?: string | null | undefined;
  body?: unknown;
  /** Sent as is, with this content type (defaults to text/plain). */
  raw?: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
  headers?: Record<string, string>;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly key: string | null,
  ) {}

  as(key: string | null): Api {
    return new Api(this.baseUrl, key);
  }

  /**
   * The body is typed from the route's schema (see api-routes.ts) unless the call names its type; a problem
   * answer is read through `assertProblem` or `problemOf`.
   */
  async request<T = never, M extends string = string, P extends string = string>(
    method: M,
    path: P,
    options: RequestOptions = {},
  ): Promise<ApiResponse<Named<T, RouteBody<M, P>>>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? this.key : options.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] = options.contentType ?? 'text/plain';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed = type.includes('json') && text.length > 0 ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: parsed as Named<T, RouteBody<M, P>>, text };
  }

  get<T = never, P extends string = string>(path: P, options?: RequestOptions) {
    return this.request<T, 'GET', P>('GET', path, options);
  }
  post<T = never, P extends string = string>(path: P, body?: unknown, options: RequestOptions = {}) {
    return this.request<T, 'POST', P>('POST', path, { ...options, body });
  }
  patch<T = never, P extends string = string>(path: P, body?: unknown, options: RequestOptions = {}) {
    return this.request<T, 'PATCH', P>('PATCH', path, { ...options, body });
  }
  delete<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T, 'DELETE'>('DELETE', path, options);
  }
}

/** The type a call names, else the route's. */
type Named<T, Route> = [T] extends [never] ? Route : T;
