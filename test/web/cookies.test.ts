import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PASSWORD, portalUser } from '../support/browser.ts';
import { describeEachBackend } from '../support/suite.ts';

/** Signs in by hand, answering the session cookie's attributes. */
async function sessionCookie(baseUrl: string, email: string, headers: Record<string, string> = {}): Promise<string> {
  const page = await fetch(`${baseUrl}/sign-in`, { headers });
  const csrf = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const r = await fetch(`${baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, cookie: csrf, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password: PASSWORD }).toString(),
  });
  assert.equal(r.status, 303);
  const session = r.headers.getSetCookie().find((c) => c.startsWith('licentia_session='));
  assert.ok(session, 'a session cookie is set');
  return session;
}

describeEachBackend(
  'portal cookies behind a TLS-terminating proxy',
  (server) => {
    it('are HttpOnly, SameSite=Strict, and Secure when the visitor came over HTTPS', async () => {
      const { api, url } = server();
      const user = await portalUser(api, 'operator');
      const overTls = await sessionCookie(url, user.email, { 'x-forwarded-proto': 'https' });
      assert.match(overTls, /HttpOnly/);
      assert.match(overTls, /SameSite=Strict/);
      assert.match(overTls, /Secure/);
      const plain = await sessionCookie(url, user.email);
      assert.match(plain, /HttpOnly/);
      assert.doesNotMatch(plain, /Secure/, 'over plain HTTP a Secure cookie would never come back');
    });
  },
  { trustProxy: true },
);
