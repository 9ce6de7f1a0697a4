import assert from 'node:assert/strict';
import type { Api } from './http.ts';
import { PASSWORD, portalUser } from './browser.ts';

export interface PortalResponse {
  status: number;
  headers: Headers;
  html: string;
  /** Where a redirect points, if it is one. */
  location: string | null;
}

/**
 * A person using the portal without a browser: real HTTP, cookies kept like a browser keeps them,
 * and forms sent with the CSRF token of the page they came from. For the many checks of what each
 * role may see and do; the journeys themselves run in Chromium (test/browser/).
 */
export class PortalClient {
  readonly #cookies = new Map<string, string>();
  #token: string | undefined;

  constructor(readonly baseUrl: string) {}

  /** A new user of `role` (for `accountId`), signed in. */
  static async as(api: Api, baseUrl: string, role: string, accountId?: string): Promise<PortalClient> {
    const user = await portalUser(api, role, accountId);
    const client = new PortalClient(baseUrl);
    await client.signIn(user.email);
    return client;
  }

  async signIn(email: string, password = PASSWORD): Promise<void> {
    await this.get('/sign-in');
    const r = await this.post('/sign-in', { email, password });
    assert.equal(r.status, 303, `sign-in of ${email} failed: ${r.status}`);
  }

  async request(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
    headers: Record<string, string> = {},
  ): Promise<PortalResponse> {
    const response = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.#cookies.size > 0 && { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') }),
        ...(contentType && { 'content-type': contentType }),
        ...headers,
      },
      body,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...rest] = (pair ?? '').split('=');
      if (!name) continue;
      const expired = attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim()) || /max-age=0/i.test(a.trim()));
      if (expired) this.#cookies.delete(name.trim());
      else this.#cookies.set(name.trim(), rest.join('='));
    }
    const html = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.#token = token;
    return { status: response.status, headers: response.headers, html, location: response.headers.get('location') };
  }

  /** The Cookie header this client sends, for requests it cannot make itself (a body streamed by the test). */
  cookieHeader(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(path: string): Promise<PortalResponse> {
    return this.request('GET', path);
  }

  /** Posts a form with the CSRF token of the last page fetched (fetch the form's page first). */
  async post(
    path: string,
    fields: Record<string, string | string[]> = {},
    options: { token?: string | null } = {},
  ): Promise<PortalResponse> {
    const form = new URLSearchParams();
    const token = options.token === undefined ? this.#token : options.token;
    if (token) form.set('_csrf', token);
    for (const [name, value] of Object.entries(fields))
      for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
    return this.request('POST', path, form.toString(), 'application/x-www-form-urlencoded');
  }

  /** The last CSRF token seen, for requests sent the way portal.js sends them (a header). */
  get token(): string | undefined {
    return this.#token;
  }
}

/** The text of a page without its tags, to assert on what a person reads. */
export function textOf(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A password sign-in by hand, without a `PortalClient`, for tests of what the sign-in answer
 * itself carries (its cookies, its throttling); `headers` go with both requests.
 */
export async function postSignIn(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const page = await fetch(`${baseUrl}/sign-in`, { headers });
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  return fetch(`${baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
  });
}
