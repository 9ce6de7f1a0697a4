import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PASSWORD, portalUser } from '../support/browser.ts';
import { postSignIn } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

/** Signs in by hand, answering the session cookie's attributes. */
async function sessionCookie(baseUrl: string, email: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await postSignIn(baseUrl, email, PASSWORD, headers);
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
