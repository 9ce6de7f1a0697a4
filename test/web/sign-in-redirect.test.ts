import assert from 'node:assert/strict';
import { it } from 'node:test';
import { safeNext } from '../../src/web/session.ts';
import { PASSWORD, portalUser } from '../support/browser.ts';
import { postSignIn } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

/** A password sign-in whose form carries `next` as its hidden field, as the sign-in page renders it. */
async function signInTo(baseUrl: string, email: string, next: string): Promise<Response> {
  const page = await fetch(`${baseUrl}/sign-in?next=${encodeURIComponent(next)}`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  return fetch(`${baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password: PASSWORD, _next: next }).toString(),
  });
}

const leaving = [
  '/\t/evil.example/phish',
  '/\n/evil.example',
  '/\r/evil.example',
  '//evil.example',
  '/\\evil.example',
  '/\\/evil.example',
  '\\/evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
  '/a/..//evil.example',
  ' /portal',
  '/\u3000/x',
  '/\u00e9',
];

it('safeNext keeps a path of this site and refuses anything a browser could read as another site', () => {
  for (const next of leaving) {
    const safe = safeNext(next);
    assert.ok(safe.startsWith('/') && !safe.startsWith('//'), `${JSON.stringify(next)} → ${safe}`);
    assert.equal(new URL(safe, 'https://licentia.example').origin, 'https://licentia.example', JSON.stringify(next));
    assert.match(safe, /^[\x21-\x7e]+$/, 'only printable ASCII reaches the Location header');
  }
  assert.equal(safeNext('/portal/entitlements?state=deployed#top'), '/portal/entitlements?state=deployed#top');
  assert.equal(safeNext('/portal/accounts/acc_1'), '/portal/accounts/acc_1');
  assert.equal(safeNext(undefined), '/portal');
  assert.equal(safeNext(''), '/portal');
});

describeEachBackend('where a sign-in leads', (server) => {
  it('never leaves the site after a correct password (tab, newline, backslash, other scripts)', async () => {
    const { api, url } = server();
    const user = await portalUser(api, 'operator');
    for (const next of leaving) {
      const r = await signInTo(url, user.email, next);
      assert.equal(r.status, 303, `${JSON.stringify(next)}: ${r.status} ${await r.text()}`);
      assert.equal(r.headers.get('location'), '/portal', JSON.stringify(next));
      assert.ok(
        r.headers.getSetCookie().some((c) => c.startsWith('licentia_session=') && !c.startsWith('licentia_session=;')),
        'the session cookie is sent with the redirect',
      );
    }
  });

  it('goes back to the page that asked for the sign-in', async () => {
    const { api, url } = server();
    const user = await portalUser(api, 'operator');
    const asked = await fetch(`${url}/portal/entitlements?state=deployed`, { redirect: 'manual' });
    assert.equal(asked.status, 303);
    const next = new URL(asked.headers.get('location') ?? '', url).searchParams.get('next') ?? '';
    const r = await signInTo(url, user.email, next);
    assert.equal(r.headers.get('location'), '/portal/entitlements?state=deployed');
  });
});

describeEachBackend(
  'cookies when the public address is https (a TLS proxy that is not trusted)',
  (server) => {
    it('are Secure though the request reached this server over plain HTTP', async () => {
      const { api, url } = server();
      const user = await portalUser(api, 'operator');
      const r = await postSignIn(url, user.email, PASSWORD);
      assert.equal(r.status, 303);
      const cookies = r.headers.getSetCookie();
      const session = cookies.find((c) => c.startsWith('licentia_session='));
      assert.ok(session);
      assert.match(session, /; Secure/);
      assert.match(session, /HttpOnly/);
      assert.ok(
        cookies.every((c) => /; Secure/.test(c)),
        `every cookie of the portal is Secure: ${cookies.join(' | ')}`,
      );
    });
  },
  { publicUrl: 'https://licences.example.com' },
);
