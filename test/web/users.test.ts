import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PASSWORD, portalUser } from '../support/browser.ts';
import { account, created, partner, unique } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

interface StoredUser {
  id: string;
  email: string;
  name: string;
  role: string;
  accountId: string | null;
  disabledAt: string | null;
  hasPassword: boolean;
}

async function users(api: Api): Promise<StoredUser[]> {
  return (await api.get('/users?limit=1000')).body.items;
}

function email(prefix: string): string {
  return `${unique(prefix).replace(/ /g, '-').toLowerCase()}@example.com`;
}

function userIdFrom(location: string | null): string {
  const id = /^\/portal\/users\/(usr_[0-9a-f]+)$/.exec(location ?? '')?.[1];
  assert.ok(id, `a redirect to the user, not ${location}`);
  return id;
}

describeEachBackend('portal: users', (server) => {
  it('lets an admin create users, who can then sign in', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const c = await account(api);
    await admin.get('/portal/users/new');
    const operatorEmail = email('Operator');
    const made = await admin.post('/portal/users', {
      name: 'Olga Operator',
      email: operatorEmail.toUpperCase(),
      role: 'operator',
      accountId: '',
      password: PASSWORD,
    });
    const operatorId = userIdFrom(made.location);
    assert.match(
      textOf((await admin.get(made.location ?? '')).html),
      /User Olga Operator created\..*Olga Operator.*operator.*The producer's staff.*A password/,
    );
    const signedIn = new PortalClient(url);
    await signedIn.signIn(operatorEmail);
    assert.equal((await signedIn.get('/portal')).status, 200);

    await admin.get(`/portal/users/new?accountId=${c.id}`);
    const customerEmail = email('Customer');
    const customer = await admin.post('/portal/users', {
      name: 'Kaspars Liepa',
      email: customerEmail,
      role: 'customer',
      accountId: c.id,
      password: '',
    });
    const customerId = userIdFrom(customer.location);
    assert.match(
      textOf((await admin.get(customer.location ?? '')).html),
      new RegExp(`A sign-in link is on its way to ${customerEmail.replaceAll('.', '\\.')}\\.`),
    );
    const stored = (await users(api)).filter((u) => [operatorId, customerId].includes(u.id));
    assert.deepEqual(
      stored.map((u) => [u.email, u.role, u.accountId, u.hasPassword]),
      [
        [operatorEmail, 'operator', null, true],
        [customerEmail, 'customer', c.id, false],
      ],
    );

    const list = await admin.get('/portal/users?role=customer');
    assert.match(textOf(list.html), new RegExp(`Kaspars Liepa ${customerEmail} customer ${c.name} link only active`));
    assert.ok(!textOf(list.html).includes('Olga Operator'), 'filtered by role');
    assert.ok(textOf((await admin.get(`/portal/users?accountId=${c.id}`)).html).includes('Kaspars Liepa'));
    assert.ok(
      !textOf((await admin.get(`/portal/users?email=${encodeURIComponent(operatorEmail)}`)).html).includes(
        'Kaspars Liepa',
      ),
      'filtered by email',
    );
    assert.equal((await admin.get('/portal/users?role=root')).status, 400);
  });

  it('shows what is wrong beside the field and creates no one', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const p = await partner(api);
    const c = await account(api);
    const anon = await account(api, { parentAccountId: p.id, anonymous: true });
    const taken = await portalUser(api, 'operator');
    const before = (await users(api)).length;
    await admin.get('/portal/users/new');
    const cases: [Record<string, string>, number, string][] = [
      [{ name: 'X', email: 'not-an-email', role: 'operator' }, 400, 'f-email-error'],
      [{ name: '', email: email('x'), role: 'operator' }, 400, 'f-name-error'],
      [{ name: 'X', email: email('x'), role: 'operator', password: 'short' }, 400, 'f-password-error'],
      [{ name: 'X', email: email('x'), role: 'partner' }, 400, 'f-accountId-error'],
      [{ name: 'X', email: email('x'), role: 'admin', accountId: c.id }, 400, 'f-accountId-error'],
      [{ name: 'X', email: email('x'), role: 'partner', accountId: c.id }, 422, 'f-accountId-error'],
      [{ name: 'X', email: email('x'), role: 'customer', accountId: anon.id }, 422, 'f-accountId-error'],
      [{ name: 'X', email: email('x'), role: 'customer', accountId: 'acc_missing' }, 422, 'f-accountId-error'],
      [{ name: 'X', email: taken.email, role: 'operator' }, 409, 'f-email-error'],
    ];
    for (const [fields, status, errorId] of cases) {
      const r = await admin.post('/portal/users', fields);
      assert.equal(r.status, status, JSON.stringify(fields));
      assert.match(r.html, new RegExp(`id="${errorId}"`), JSON.stringify(fields));
      if (fields.email) assert.match(r.html, new RegExp(`value="${fields.email}"`), 'what was typed stays');
      if (fields.password) assert.ok(!r.html.includes(`value="${fields.password}"`), 'a password is never shown again');
    }
    assert.equal((await users(api)).length, before);
  });

  it('renames, disables and enables a user', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const target = await portalUser(api, 'operator');
    const them = new PortalClient(url);
    await them.signIn(target.email);
    await admin.get(`/portal/users/${target.id}`);

    assert.equal((await admin.post(`/portal/users/${target.id}`, { name: 'Renamed Person' })).status, 303);
    const blank = await admin.post(`/portal/users/${target.id}`, { name: '' });
    assert.equal(blank.status, 400);
    assert.match(blank.html, /id="f-name-error"/);
    assert.equal((await api.get(`/users/${target.id}`)).body.name, 'Renamed Person');

    const disabled = await admin.post(`/portal/users/${target.id}/disable`);
    assert.equal(disabled.status, 303);
    assert.match(
      textOf((await admin.get(disabled.location ?? '')).html),
      /Renamed Person is disabled; their sessions have ended\..*disabled since/,
    );
    assert.equal((await them.get('/portal')).status, 303, 'their session ended');
    const again = new PortalClient(url);
    await again.get('/sign-in');
    assert.equal((await again.post('/sign-in', { email: target.email, password: PASSWORD })).status, 401);
    const noLink = await admin.post(`/portal/users/${target.id}/sign-in-link`);
    assert.equal(noLink.status, 409, 'no link for a disabled user');
    assert.ok(!/\/sign-in\/link\/[A-Za-z0-9_-]{20,}/.test(noLink.html));

    assert.equal((await admin.post(`/portal/users/${target.id}/enable`)).status, 303);
    assert.equal((await api.get(`/users/${target.id}`)).body.disabledAt, null);
    await again.signIn(target.email);
  });

  it('refuses to disable yourself, and says why', async () => {
    const { api, url } = server();
    const self = await portalUser(api, 'admin');
    const admin = new PortalClient(url);
    await admin.signIn(self.email);
    await admin.get(`/portal/users/${self.id}`);
    const refused = await admin.post(`/portal/users/${self.id}/disable`);
    assert.equal(refused.status, 422);
    assert.match(textOf(refused.html), /You cannot disable yourself/);
    assert.equal((await api.get(`/users/${self.id}`)).body.disabledAt, null);
  });

  it('makes a sign-in link, shown once with a copy button and a ready email, that signs the user in', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const c = await account(api);
    const target = await created(
      api.post('/users', { email: email('Linked'), name: 'Linda Link', role: 'customer', accountId: c.id }),
    );
    await admin.get(`/portal/users/${target.id}`);
    const made = await admin.post(`/portal/users/${target.id}/sign-in-link`);
    assert.equal(made.status, 201);
    assert.equal(made.headers.get('cache-control'), 'no-store');
    const link = new RegExp(`${url.replace(/[.]/g, '\\.')}/sign-in/link/[A-Za-z0-9_-]{43}`).exec(made.html)?.[0];
    assert.ok(link, 'the link, built on the address the server is reached at');
    assert.match(made.html, new RegExp(`data-copy="${link}"`));
    const mailto = /href="(mailto:[^"]+)"/.exec(made.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(mailto, 'a mailto link');
    const mail = new URL(mailto);
    assert.equal(decodeURIComponent(mail.pathname), target.email);
    assert.match(mail.searchParams.get('subject') ?? '', /sign-in link/);
    assert.match(
      mail.searchParams.get('body') ?? '',
      new RegExp(`Hello Linda Link,[\\s\\S]*${link}[\\s\\S]*set a password`),
    );
    assert.ok(!(await admin.get(`/portal/users/${target.id}`)).html.includes(link), 'never shown again');

    const person = new PortalClient(url);
    assert.equal((await person.get(link.slice(url.length))).status, 200);
    const used = await person.post(link.slice(url.length));
    assert.equal(used.status, 303);
    assert.equal((await person.get('/portal')).status, 200, 'signed in');
    assert.equal((await new PortalClient(url).get(link.slice(url.length))).status, 410, 'once only');
  });

  it('lets an operator manage the channel’s users but not the producer’s staff', async () => {
    const { api, url } = server();
    const operator = await PortalClient.as(api, url, 'operator');
    const p = await partner(api);
    const staff = await portalUser(api, 'admin');
    const form = await operator.get('/portal/users/new');
    assert.ok(
      !form.html.includes('value="admin"') && !form.html.includes('value="operator"'),
      'producer roles are not offered',
    );
    assert.ok(form.html.includes('value="partner"'));
    const before = (await users(api)).length;
    assert.equal((await operator.post('/portal/users', { name: 'X', email: email('x'), role: 'admin' })).status, 403);
    assert.equal((await users(api)).length, before);
    const made = await operator.post('/portal/users', {
      name: 'Pia Partner',
      email: email('pia'),
      role: 'partner',
      accountId: p.id,
    });
    assert.equal(made.status, 303);

    const detail = await operator.get(`/portal/users/${staff.id}`);
    assert.equal(detail.status, 200);
    assert.ok(
      !detail.html.includes(`action="/portal/users/${staff.id}/disable"`),
      'no buttons for what the operator may not do',
    );
    assert.equal((await operator.post(`/portal/users/${staff.id}/disable`)).status, 403);
    assert.equal((await operator.post(`/portal/users/${staff.id}/sign-in-link`)).status, 403);
    assert.equal((await operator.post(`/portal/users/${staff.id}`, { name: 'Renamed' })).status, 403);
    assert.equal((await api.get(`/users/${staff.id}`)).body.disabledAt, null);
  });

  it('gives a partner its colleagues and its customers’ users only', async () => {
    const { api, url } = server();
    const p = await partner(api);
    const q = await partner(api);
    const mine = await account(api, { parentAccountId: p.id });
    const theirs = await account(api, { parentAccountId: q.id });
    const anon = await account(api, { parentAccountId: p.id, anonymous: true });
    const client = await PortalClient.as(api, url, 'partner', p.id);
    const customerOfMine = await created(
      api.post('/users', { email: email('mine'), name: 'Mine Person', role: 'customer', accountId: mine.id }),
    );
    const otherPartner = await created(
      api.post('/users', { email: email('q'), name: 'Q Person', role: 'partner', accountId: q.id }),
    );
    const customerOfTheirs = await created(
      api.post('/users', { email: email('theirs'), name: 'Theirs Person', role: 'customer', accountId: theirs.id }),
    );

    const list = textOf((await client.get('/portal/users')).html);
    assert.ok(list.includes('Mine Person'));
    assert.ok(
      !list.includes('Q Person') &&
        !list.includes('Theirs Person') &&
        !list.includes(q.name) &&
        !list.includes(theirs.name),
      'nothing of another partner',
    );
    const form = await client.get('/portal/users/new');
    assert.ok(
      !form.html.includes('value="admin"') &&
        !form.html.includes(`value="${theirs.id}"`) &&
        !form.html.includes(`value="${anon.id}"`),
    );
    for (const id of [otherPartner.id, customerOfTheirs.id]) {
      assert.equal((await client.get(`/portal/users/${id}`)).status, 404);
      await client.get('/portal/users');
      assert.equal((await client.post(`/portal/users/${id}`, { name: 'Taken' })).status, 404);
      assert.equal((await client.post(`/portal/users/${id}/disable`)).status, 404);
      assert.equal((await client.post(`/portal/users/${id}/sign-in-link`)).status, 404);
    }

    await client.get('/portal/users/new');
    const before = (await users(api)).length;
    const refusals: [Record<string, string>, number][] = [
      [{ name: 'X', email: email('x'), role: 'customer', accountId: theirs.id }, 422],
      [{ name: 'X', email: email('x'), role: 'partner', accountId: q.id }, 422],
      [{ name: 'X', email: email('x'), role: 'customer', accountId: anon.id }, 422],
      [{ name: 'X', email: email('x'), role: 'admin' }, 403],
      [{ name: 'X', email: email('x'), role: 'customer', accountId: p.id }, 422],
    ];
    for (const [fields, status] of refusals)
      assert.equal((await client.post('/portal/users', fields)).status, status, JSON.stringify(fields));
    assert.equal((await users(api)).length, before);

    const colleague = await client.post('/portal/users', {
      name: 'Colleague',
      email: email('colleague'),
      role: 'partner',
      accountId: p.id,
    });
    assert.equal(colleague.status, 303);
    const customerUser = await client.post('/portal/users', {
      name: 'Their Customer',
      email: email('cust'),
      role: 'customer',
      accountId: mine.id,
    });
    assert.equal(customerUser.status, 303);
    const made = await client.post(`/portal/users/${customerOfMine.id}/sign-in-link`);
    assert.equal(made.status, 201);
    assert.match(made.html, /\/sign-in\/link\//);
    assert.equal((await api.get(`/users/${otherPartner.id}`)).body.name, 'Q Person');
    assert.equal((await api.get(`/users/${customerOfTheirs.id}`)).body.disabledAt, null);
  });

  it('is not for customers, nor for the signed out', async () => {
    const { api, url } = server();
    const c = await account(api);
    const client = await PortalClient.as(api, url, 'customer', c.id);
    const before = (await users(api)).length;
    assert.equal((await client.get('/portal/users')).status, 403);
    assert.equal((await client.get('/portal/users/new')).status, 403);
    await client.get('/portal');
    assert.equal(
      (await client.post('/portal/users', { name: 'X', email: email('x'), role: 'customer', accountId: c.id })).status,
      403,
    );
    assert.equal((await users(api)).length, before);
    const someone = await portalUser(api, 'operator');
    const signedOut = new PortalClient(url);
    for (const path of ['/portal/users', '/portal/users/new', `/portal/users/${someone.id}`]) {
      const r = await signedOut.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.location, `/sign-in?next=${encodeURIComponent(path)}`);
    }
  });
});
