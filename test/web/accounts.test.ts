import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, created, partner, unique } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { errorBeside } from '../support/portal-world.ts';
import { describeEachBackend } from '../support/suite.ts';

async function allAccounts(
  api: Api,
): Promise<{ id: string; name: string; parentAccountId: string | null; anonymous: boolean; type: string }[]> {
  return (await api.get('/accounts?limit=1000')).body.items;
}

async function contactsOf(api: Api, id: string): Promise<{ name: string; email: string }[]> {
  return (await api.get(`/accounts/${id}/contacts`)).body.items;
}

function idFrom(location: string | null): string {
  const id = /^\/portal\/accounts\/(acc_[0-9a-f]+)$/.exec(location ?? '')?.[1];
  assert.ok(id, `a redirect to the new account, not ${location}`);
  return id;
}

describeEachBackend('portal: accounts', (server) => {
  it('lets the producer build a partner hierarchy and shows it', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    await admin.get('/portal/accounts/new');
    const distName = unique('Distributor');
    const dist = idFrom(
      (await admin.post('/portal/accounts', { name: distName, type: 'partner', parentAccountId: '' })).location,
    );
    const shownDist = await admin.get(`/portal/accounts/${dist}`);
    assert.match(textOf(shownDist.html), new RegExp(`Account “${distName}” created\\.`));
    assert.match(textOf(shownDist.html), /Accounts below Add one below No accounts below this one yet\./);

    await admin.get(`/portal/accounts/new?parentAccountId=${dist}`);
    const resellerName = unique('Reseller');
    const reseller = idFrom(
      (await admin.post('/portal/accounts', { name: resellerName, type: 'partner', parentAccountId: dist })).location,
    );
    const anonName = unique('Customer 0042');
    const anonymous = await admin.post('/portal/accounts', {
      name: anonName,
      type: 'customer',
      parentAccountId: dist,
      anonymous: 'true',
    });
    const anon = idFrom(anonymous.location);
    assert.match(
      textOf((await admin.get(`/portal/accounts/${anon}`)).html),
      new RegExp(`Anonymous customer “${anonName}” created\\.`),
    );
    const stored = (await allAccounts(api)).filter((a) => [dist, reseller, anon].includes(a.id));
    assert.deepEqual(
      stored.map((a) => [a.id, a.type, a.parentAccountId, a.anonymous]),
      [
        [dist, 'partner', null, false],
        [reseller, 'partner', dist, false],
        [anon, 'customer', dist, true],
      ],
    );

    const detail = await admin.get(`/portal/accounts/${dist}`);
    assert.match(
      textOf(detail.html),
      new RegExp(`Accounts below .*${resellerName} partner .*${anonName} anonymous customer`),
    );
    assert.match(detail.html, new RegExp(`href="/portal/entitlements\\?account=${dist}"`));
    assert.match(detail.html, new RegExp(`href="/portal/activations\\?account=${dist}"`));

    // Children sit right below their parent, indented.
    const list = await admin.get(`/portal/accounts?name=${encodeURIComponent(distName.split(' ')[1] ?? '')}`);
    const tree = await admin.get('/portal/accounts');
    assert.equal(list.status, 200);
    assert.match(
      tree.html,
      new RegExp(`${distName}</a>[\\s\\S]*class="tree-1"><a href="/portal/accounts/${reseller}">`),
    );
    const partners = textOf((await admin.get('/portal/accounts?type=partner')).html);
    assert.ok(partners.includes(resellerName) && !partners.includes(anonName), 'filtered by type');
    const anonymousOnly = textOf((await admin.get('/portal/accounts?anonymous=true')).html);
    assert.ok(anonymousOnly.includes(anonName) && !anonymousOnly.includes(resellerName), 'filtered by anonymity');
    const byName = textOf((await admin.get(`/portal/accounts?name=${encodeURIComponent(resellerName)}`)).html);
    assert.ok(byName.includes(resellerName) && !byName.includes(anonName), 'filtered by name');
    const below = textOf((await admin.get(`/portal/accounts?parentAccountId=${dist}`)).html);
    assert.match(below, new RegExp(`Showing the accounts directly below ${distName}`));
    assert.ok(below.includes(resellerName) && !below.includes(`${distName} partner top level`));
    assert.equal((await admin.get('/portal/accounts?type=reseller')).status, 400);
  });

  it('shows an anonymous end customer as such, with no contacts or users to add', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const p = await partner(api);
    const anon = await account(api, { parentAccountId: p.id, anonymous: true });
    const page = await admin.get(`/portal/accounts/${anon.id}`);
    const text = textOf(page.html);
    assert.match(
      text,
      new RegExp(
        `Anonymous end customer of ${p.name}\\. The partner registered it by name only: the producer knows this name and nothing else\\.`,
      ),
    );
    assert.match(text, /holds no personal data, so it has no contacts/);
    assert.match(text, /keeps no personal data, so it has no portal users/);
    assert.ok(!page.html.includes(`action="/portal/accounts/${anon.id}/contacts"`), 'no contact form');
    assert.ok(!page.html.includes(`/portal/users/new?accountId=${anon.id}`), 'no way to add a user');
    const refused = await admin.post(`/portal/accounts/${anon.id}/contacts`, { name: 'Pat', email: 'pat@example.com' });
    assert.equal(refused.status, 422);
    assert.match(textOf(refused.html), /holds no personal data/);
    assert.deepEqual(await contactsOf(api, anon.id), []);
  });

  it('adds contacts, and shows a bad one beside its field without adding it', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const c = await account(api);
    await admin.get(`/portal/accounts/${c.id}`);
    const added = await admin.post(`/portal/accounts/${c.id}/contacts`, {
      name: 'Ilze Ozola',
      email: 'ilze@example.com',
      phone: '+371 555 0101',
    });
    assert.equal(added.status, 303);
    assert.equal(added.location, `/portal/accounts/${c.id}#contacts`);
    assert.match(
      textOf((await admin.get(`/portal/accounts/${c.id}`)).html),
      /Contact Ilze Ozola added\..*Ilze Ozola ilze@example\.com \+371 555 0101/,
    );
    const bad = await admin.post(`/portal/accounts/${c.id}/contacts`, { name: '', email: 'not-an-email' });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /id="f-email-error"/);
    assert.match(bad.html, /id="f-name-error"/);
    assert.match(bad.html, /value="not-an-email"/);
    assert.deepEqual(
      (await contactsOf(api, c.id)).map((x) => x.email),
      ['ilze@example.com'],
    );
    assert.equal(
      (await admin.post('/portal/accounts/acc_missing/contacts', { name: 'Pat', email: 'pat@example.com' })).status,
      404,
    );
  });

  it('renames and moves accounts, refusing a cycle beside the field', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const top = await partner(api);
    const child = await partner(api, { parentAccountId: top.id });
    const other = await partner(api);
    await admin.get(`/portal/accounts/${child.id}`);
    const renamed = await admin.post(`/portal/accounts/${child.id}`, {
      name: 'Renamed Reseller',
      parentAccountId: other.id,
    });
    assert.equal(renamed.status, 303);
    const after = (await api.get(`/accounts/${child.id}`)).body;
    assert.deepEqual([after.name, after.parentAccountId], ['Renamed Reseller', other.id]);

    const cycle = await admin.post(`/portal/accounts/${other.id}`, { name: other.name, parentAccountId: child.id });
    assert.equal(cycle.status, 422);
    assert.match(cycle.html, /class="field field-invalid"[\s\S]*would make a cycle/);
    assert.equal((await api.get(`/accounts/${other.id}`)).body.parentAccountId, null, 'unchanged');
    const blank = await admin.post(`/portal/accounts/${child.id}`, { name: '', parentAccountId: '' });
    assert.equal(blank.status, 400);
    assert.ok(errorBeside(blank.html, 'name'), 'the blank name is marked beside its field');
    assert.deepEqual(
      [
        (await api.get(`/accounts/${child.id}`)).body.name,
        (await api.get(`/accounts/${child.id}`)).body.parentAccountId,
      ],
      ['Renamed Reseller', other.id],
      'an emptied name changes nothing',
    );

    const toTop = await admin.post(`/portal/accounts/${child.id}`, { name: 'Renamed Reseller', parentAccountId: '' });
    assert.equal(toTop.status, 303);
    assert.equal(
      (await api.get(`/accounts/${child.id}`)).body.parentAccountId,
      null,
      'a blank parent is the top level',
    );
  });

  it('gives a partner its customers only, and lets it add and rename them', async () => {
    const { api, url } = server();
    const p = await partner(api);
    const q = await partner(api);
    const theirs = await account(api, { parentAccountId: q.id, name: unique('Not yours') });
    const mine = await account(api, { parentAccountId: p.id });
    const client = await PortalClient.as(api, url, 'partner', p.id);

    const list = await client.get('/portal/accounts');
    assert.equal(list.status, 200);
    const text = textOf(list.html);
    assert.match(text, /^.*Customers/);
    assert.ok(text.includes(p.name) && text.includes(mine.name));
    assert.ok(!text.includes(q.name) && !text.includes(theirs.name), 'nothing of another partner');
    assert.ok(
      !textOf((await client.get(`/portal/accounts?name=${encodeURIComponent(theirs.name)}`)).html).includes(
        theirs.name,
      ),
    );
    for (const path of [`/portal/accounts/${q.id}`, `/portal/accounts/${theirs.id}`])
      assert.equal((await client.get(path)).status, 404, path);

    await client.get('/portal/accounts/new');
    const anonName = unique('End customer');
    const made = await client.post('/portal/accounts', { name: anonName, type: 'customer', anonymous: 'true' });
    const anon = idFrom(made.location);
    const named = idFrom((await client.post('/portal/accounts', { name: unique('Named'), type: 'customer' })).location);
    const stored = (await allAccounts(api)).filter((a) => [anon, named].includes(a.id));
    assert.deepEqual(
      stored.map((a) => [a.parentAccountId, a.anonymous]),
      [
        [p.id, true],
        [p.id, false],
      ],
    );

    const before = (await allAccounts(api)).length;
    await client.get('/portal/accounts/new');
    assert.equal(
      (await client.post('/portal/accounts', { name: unique('x'), type: 'partner' })).status,
      403,
      'a partner makes customers only',
    );
    assert.equal(
      (await client.post('/portal/accounts', { name: unique('x'), type: 'customer', parentAccountId: q.id })).status,
      403,
      'below itself only',
    );
    assert.equal((await client.post('/portal/accounts', { name: '', type: 'customer' })).status, 400);
    assert.equal((await allAccounts(api)).length, before);

    const own = await client.get(`/portal/accounts/${p.id}`);
    assert.ok(!own.html.includes(`action="/portal/accounts/${p.id}"`), 'no form to change its own account');
    assert.equal((await client.post(`/portal/accounts/${p.id}`, { name: 'Self-renamed' })).status, 403);
    const customer = await client.get(`/portal/accounts/${mine.id}`);
    assert.match(customer.html, new RegExp(`action="/portal/accounts/${mine.id}"`));
    assert.ok(!customer.html.includes('name="parentAccountId"'), 'only the producer moves accounts');
    assert.equal((await client.post(`/portal/accounts/${mine.id}`, { name: 'Renamed by partner' })).status, 303);
    assert.equal(
      (await client.post(`/portal/accounts/${mine.id}`, { name: 'Moved', parentAccountId: q.id })).status,
      403,
    );
    assert.equal((await client.post(`/portal/accounts/${theirs.id}`, { name: 'Taken' })).status, 404);
    assert.equal(
      (await client.post(`/portal/accounts/${theirs.id}/contacts`, { name: 'Pat', email: 'pat@example.com' })).status,
      404,
    );
    assert.equal((await api.get(`/accounts/${mine.id}`)).body.name, 'Renamed by partner');
    assert.equal((await api.get(`/accounts/${mine.id}`)).body.parentAccountId, p.id);
    assert.equal((await api.get(`/accounts/${theirs.id}`)).body.name, theirs.name);
    assert.deepEqual(await contactsOf(api, theirs.id), []);
  });

  it('shows a customer its own account only, to read', async () => {
    const { api, url } = server();
    const c = await account(api);
    const other = await account(api);
    await created(api.post(`/accounts/${c.id}/contacts`, { name: 'Own Contact', email: 'own@example.com' }));
    const client = await PortalClient.as(api, url, 'customer', c.id);
    const list = textOf((await client.get('/portal/accounts')).html);
    assert.match(list, /Your account/);
    assert.ok(list.includes(c.name) && !list.includes(other.name));
    assert.ok(!list.includes('New account'));
    const own = await client.get(`/portal/accounts/${c.id}`);
    assert.equal(own.status, 200);
    assert.match(textOf(own.html), /Own Contact/);
    assert.ok(!own.html.includes('<form method="post" action="/portal/accounts/'), 'no forms');
    assert.ok(!textOf(own.html).includes('Portal users'), 'no user management');
    assert.equal((await client.get(`/portal/accounts/${other.id}`)).status, 404);
    assert.equal((await client.get('/portal/accounts/new')).status, 403);
    assert.equal((await client.post('/portal/accounts', { name: unique('x'), type: 'customer' })).status, 403);
    assert.equal((await client.post(`/portal/accounts/${c.id}`, { name: 'Mine now' })).status, 403);
    assert.equal((await api.get(`/accounts/${c.id}`)).body.name, c.name);
  });

  it('asks for a parent by ID once there are too many accounts to list', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const p = await partner(api);
    const listed = await admin.get('/portal/accounts/new');
    for (let i = (await allAccounts(api)).filter((a) => !a.anonymous).length; i <= 200; i++) await account(api);
    const typed = await admin.get('/portal/accounts/new');
    assert.match(listed.html, /<select id="f-parentAccountId"/, 'a list while it is short');
    assert.match(
      typed.html,
      /<input id="f-parentAccountId" name="parentAccountId" type="text"/,
      'an ID field once it is long',
    );
    const made = await admin.post('/portal/accounts', {
      name: unique('Typed parent'),
      type: 'customer',
      parentAccountId: p.id,
    });
    assert.equal((await api.get(`/accounts/${idFrom(made.location)}`)).body.parentAccountId, p.id);
  });

  it('sends a signed-out visitor to sign in', async () => {
    const { api, url } = server();
    const c = await account(api);
    const signedOut = new PortalClient(url);
    for (const path of ['/portal/accounts', `/portal/accounts/${c.id}`, '/portal/accounts/new']) {
      const r = await signedOut.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.location, `/sign-in?next=${encodeURIComponent(path)}`);
    }
    await signedOut.get('/sign-in');
    assert.equal((await signedOut.post(`/portal/accounts/${c.id}`, { name: 'x' })).status, 401);
  });
});
