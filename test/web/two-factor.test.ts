import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { PASSWORD, portalUser } from '../support/browser.ts';
import { account } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { PortalClient, type PortalResponse, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The code an authenticator app shows `offsetSeconds` from now. */
function code(secret: string, offsetSeconds = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetSeconds * 1000 });
}

/** A six-digit code that is not the one of `secret` now (nor, but by a one-in-a-million chance, of a nearby step). */
function wrongCode(secret: string): string {
  return String((Number(code(secret)) + 500_000) % 1_000_000).padStart(6, '0');
}

function hasSessionCookie(r: PortalResponse): boolean {
  return r.headers
    .getSetCookie()
    .some((c) => c.startsWith('licentia_session=') && !/expires=thu, 01 jan 1970/i.test(c));
}

interface Enrolled {
  id: string;
  email: string;
  secret: string;
  recoveryCodes: string[];
}

/** Sets up two-factor sign-in for the signed-in person of `client`, the way a person does on the profile page. */
async function enrol(client: PortalClient): Promise<{ secret: string; recoveryCodes: string[] }> {
  const page = await client.get('/portal/profile/two-factor');
  assert.equal(page.status, 200);
  assert.match(page.html, /<img src="data:image\/png;base64,[A-Za-z0-9+/=]+"/, 'a QR code the CSP lets through');
  const secret = /name="secret" value="([A-Z2-7]{32})"/.exec(page.html)?.[1];
  assert.ok(secret, 'the key is on the page');
  assert.ok(textOf(page.html).includes(secret), 'and shown as text, for typing');
  const done = await client.post('/portal/profile/two-factor', { secret, code: code(secret, -30) });
  assert.equal(done.status, 201, textOf(done.html));
  const recoveryCodes = [...done.html.matchAll(/\b([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})\b/g)].map(
    (m) => m[1] ?? '',
  );
  assert.equal(new Set(recoveryCodes).size, 10, 'ten different recovery codes, shown once');
  return { secret, recoveryCodes };
}

async function enrolledUser(api: Api, url: string, role = 'operator'): Promise<Enrolled> {
  const user = await portalUser(api, role);
  const client = new PortalClient(url);
  await client.signIn(user.email);
  return { ...user, ...(await enrol(client)) };
}

/** The password step of someone with two-factor sign-in: no session yet, only the code page. */
async function passwordStep(url: string, email: string): Promise<PortalClient> {
  const client = new PortalClient(url);
  await client.get('/sign-in');
  const r = await client.post('/sign-in', { email, password: PASSWORD, _next: '/portal/entitlements' });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/sign-in/two-factor?next=%2Fportal%2Fentitlements');
  assert.equal(hasSessionCookie(r), false, 'no session before the code');
  assert.match(r.headers.getSetCookie().join('\n'), /licentia_2fa=.*HttpOnly.*SameSite=Strict/);
  const portal = await client.get('/portal');
  assert.equal(portal.status, 303, 'the pending sign-in opens no portal page');
  assert.match(portal.location ?? '', /^\/sign-in\?next=/);
  assert.equal((await client.get('/sign-in/two-factor')).status, 200);
  return client;
}

async function sendCode(client: PortalClient, typed: string): Promise<PortalResponse> {
  return client.post('/sign-in/two-factor', { code: typed, _next: '/portal/entitlements' });
}

async function actionsOf(api: Api, userId: string): Promise<string[]> {
  const events = (await api.get(`/events?subjectId=${userId}&limit=100`)).body.items as { action: string }[];
  return events.map((e) => e.action);
}

describeEachBackend('portal: two-factor sign-in', (server) => {
  it('enrols with a QR code confirmed by a code, then asks for a code after the password, each code once', async () => {
    const { api, url } = server();
    const user = await portalUser(api, 'operator');
    const client = new PortalClient(url);
    await client.signIn(user.email);
    const page = await client.get('/portal/profile/two-factor');
    const secret = /name="secret" value="([A-Z2-7]{32})"/.exec(page.html)?.[1] ?? '';
    const wrong = await client.post('/portal/profile/two-factor', { secret, code: wrongCode(secret) });
    assert.equal(wrong.status, 400);
    assert.match(textOf(wrong.html), /Code \* is not right/);
    assert.ok(wrong.html.includes(`value="${secret}"`), 'the same key again, so the app just set up still works');
    const tampered = await client.post('/portal/profile/two-factor', { secret: 'not-a-key', code: '123456' });
    assert.equal(tampered.status, 400);
    assert.match(textOf((await client.get('/portal/profile/two-factor')).html), /Set up two-factor sign-in/);
    assert.equal((await client.post('/portal/profile/two-factor', { secret, code: code(secret, -30) })).status, 201);
    assert.match(
      textOf((await client.get('/portal/profile/two-factor')).html),
      /On since .* Recovery codes left 10 of 10/,
    );
    const again = await client.post('/portal/profile/two-factor', { secret, code: code(secret) });
    assert.equal(again.status, 409, 'enrolling twice is refused');

    const now = code(secret);
    const first = await passwordStep(url, user.email);
    const signedIn = await sendCode(first, now);
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, '/portal/entitlements');
    assert.ok(hasSessionCookie(signedIn));
    assert.equal((await first.get('/portal/entitlements')).status, 200);

    const replay = await passwordStep(url, user.email);
    const replayed = await sendCode(replay, now);
    assert.equal(replayed.status, 401, 'a code is accepted once');
    assert.equal(hasSessionCookie(replayed), false);
    assert.equal((await sendCode(replay, code(secret, 30))).status, 303);

    const actions = await actionsOf(api, user.id);
    for (const action of ['two-factor.enabled', 'two-factor.challenged', 'two-factor.code-refused', 'session.created'])
      assert.ok(actions.includes(action), `${action} is audited`);
    assert.ok(!JSON.stringify(await api.get(`/events?subjectId=${user.id}&limit=100`)).includes(secret));
  });

  it('refuses wrong codes, ends the pending sign-in after five, and counts them against the sign-in throttle', async () => {
    const { api, url } = server();
    const user = await enrolledUser(api, url);
    for (let round = 0; round < 2; round++) {
      const client = await passwordStep(url, user.email);
      for (let i = 0; i < 5; i++) {
        const r = await sendCode(client, wrongCode(user.secret));
        assert.equal(r.status, 401);
        assert.match(textOf(r.html), /The code is not right/);
      }
      const ended = await sendCode(client, code(user.secret, 30));
      assert.equal(ended.status, 303, 'even the right code, once the pending sign-in ran out of attempts');
      assert.equal(ended.location, '/sign-in');
      assert.equal(hasSessionCookie(ended), false);
    }
    const stopped = new PortalClient(url);
    await stopped.get('/sign-in');
    const r = await stopped.post('/sign-in', { email: user.email, password: PASSWORD });
    assert.equal(r.status, 429, 'ten wrong codes stop the account from this address, as ten wrong passwords do');
    assert.match(textOf(r.html), /Too many failed sign-ins for this account/);
  });

  it('takes each recovery code once, in any case and with spaces, and makes new ones on a code from the app', async () => {
    const { api, url } = server();
    const user = await enrolledUser(api, url);
    const [one = '', two = ''] = user.recoveryCodes;
    const first = await passwordStep(url, user.email);
    assert.equal((await sendCode(first, ` ${one.toUpperCase().replace(/-/g, ' ')} `)).status, 303);
    const second = await passwordStep(url, user.email);
    assert.equal((await sendCode(second, one)).status, 401, 'a used recovery code is refused');
    assert.equal((await sendCode(second, 'abcd-efgh-jkmn-pqrs')).status, 401);
    assert.equal((await sendCode(second, two)).status, 303);
    assert.match(textOf((await second.get('/portal/profile/two-factor')).html), /Recovery codes left 8 of 10/);
    assert.ok((await actionsOf(api, user.id)).includes('two-factor.recovery-code-used'));

    const wrong = await second.post('/portal/profile/two-factor/recovery-codes', { code: wrongCode(user.secret) });
    assert.equal(wrong.status, 400, 'new codes need a code from the app');
    const renewed = await second.post('/portal/profile/two-factor/recovery-codes', { code: code(user.secret) });
    assert.equal(renewed.status, 201);
    const fresh = [...renewed.html.matchAll(/\b([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})\b/g)].map(
      (m) => m[1] ?? '',
    );
    assert.equal(new Set(fresh).size, 10);
    const third = await passwordStep(url, user.email);
    assert.equal((await sendCode(third, user.recoveryCodes[2] ?? '')).status, 401, 'the old codes stop working');
    assert.equal((await sendCode(third, fresh[0] ?? '')).status, 303);
    assert.ok((await actionsOf(api, user.id)).includes('two-factor.recovery-codes-replaced'));
  });

  it('sends an expired or unknown pending sign-in back to the password', async () => {
    const { url } = server();
    const client = new PortalClient(url);
    const page = await client.get('/sign-in/two-factor');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/sign-in');
    await client.get('/sign-in');
    const r = await client.post('/sign-in/two-factor', { code: '123456' });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/sign-in');
  });

  it('lets whoever manages a user reset their two-factor sign-in, audited; nobody else', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const operator = await PortalClient.as(api, url, 'operator');
    const user = await enrolledUser(api, url);
    const c = await account(api);
    const customer = await PortalClient.as(api, url, 'customer', c.id);

    await operator.get('/portal');
    assert.equal((await operator.post(`/portal/users/${user.id}/two-factor/reset`)).status, 403);
    await customer.get('/portal');
    assert.equal((await customer.post(`/portal/users/${user.id}/two-factor/reset`)).status, 403);

    await admin.get(`/portal/users/${user.id}`);
    const made = await admin.post(`/portal/users/${user.id}/sign-in-link`);
    const link = /\/sign-in\/link\/[A-Za-z0-9_-]{43}/.exec(made.html)?.[0] ?? '';
    const linked = new PortalClient(url);
    await linked.get(link);
    const used = await linked.post(link);
    assert.equal(used.status, 303);
    assert.equal(used.location, '/sign-in/two-factor?next=%2Fportal', 'a sign-in link is a first step too');
    assert.equal(hasSessionCookie(used), false);
    assert.equal((await linked.get('/portal')).status, 303);
    await linked.get('/sign-in/two-factor');
    const viaLink = await linked.post('/sign-in/two-factor', { code: user.recoveryCodes[0] ?? '', _next: '/portal' });
    assert.equal(viaLink.status, 303);
    assert.equal((await linked.get('/portal/profile')).status, 200);

    const userPage = await admin.get(`/portal/users/${user.id}`);
    assert.match(textOf(userPage.html), /Two-factor sign-in On since .* 9 of 10 recovery codes left/);
    const reset = await admin.post(`/portal/users/${user.id}/two-factor/reset`);
    assert.equal(reset.status, 303);
    assert.equal(reset.location, `/portal/users/${user.id}`);
    assert.match(textOf((await admin.get(`/portal/users/${user.id}`)).html), /two-factor sign-in is reset.*Off:/);
    assert.equal((await admin.post(`/portal/users/${user.id}/two-factor/reset`)).status, 409, 'nothing to reset');
    assert.equal((await admin.post('/portal/users/usr_00000000000000000000000000/two-factor/reset')).status, 404);
    assert.ok((await actionsOf(api, user.id)).includes('two-factor.reset'));

    const again = new PortalClient(url);
    await again.signIn(user.email);
    assert.equal((await again.get('/portal')).status, 200, 'the password alone signs in again');
  });
});

describeEachBackend(
  'portal: two-factor sign-in required for the producer',
  (server) => {
    it('keeps an admin or operator on the enrolment page until they have enrolled; not partners or customers', async () => {
      const { api, url } = server();
      const operator = await PortalClient.as(api, url, 'operator');
      const home = await operator.get('/portal');
      assert.equal(home.status, 303);
      assert.equal(home.location, '/portal/profile/two-factor');
      assert.equal((await operator.get('/portal/users')).location, '/portal/profile/two-factor');
      const page = await operator.get('/portal/profile/two-factor');
      assert.match(textOf(page.html), /must set up two-factor sign-in before using the portal/);
      const refused = await operator.post('/portal/accounts', { name: 'Sneaky', type: 'customer' });
      assert.equal(refused.status, 403);
      await enrol(operator);
      assert.equal((await operator.get('/portal')).status, 200);

      const admin = await PortalClient.as(api, url, 'admin');
      assert.equal((await admin.get('/portal/users')).location, '/portal/profile/two-factor');

      const c = await account(api);
      const customer = await PortalClient.as(api, url, 'customer', c.id);
      assert.equal((await customer.get('/portal')).status, 200);
    });
  },
  { requireTwoFactorForProducer: true },
);
