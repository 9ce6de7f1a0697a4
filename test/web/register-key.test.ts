import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, created, partner } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { errorBeside } from '../support/portal-world.ts';
import { describeEachBackend } from '../support/suite.ts';

const activationIdOf = (html: string) => /data-copy="([^"]+)"/.exec(html)?.[1];

describeEachBackend('portal: registering a web register key', (server) => {
  it('registers a key for a new anonymous end customer known by name only, and hands out its activation ID', async () => {
    const { api, url } = server();
    const {
      bulk,
      partner: distributor,
      keys,
    } = await bulkWithKeys(api, { keys: someKeys(2), fields: { quantityPerKey: 2 } });
    const client = await PortalClient.as(api, url, 'partner', distributor.id);
    const start = await client.get('/portal/register');
    assert.equal(start.status, 200);
    assert.match(
      textOf(start.html),
      new RegExp(`Stock to register from[\\s\\S]*${bulk.id}[\\s\\S]* 2`),
      'its stock and the keys left',
    );
    const found = await client.post('/portal/register/find', { key: ` ${keys[0]?.toLowerCase()} ` });
    assert.equal(found.status, 200);
    const step = textOf(found.html);
    assert.match(step, new RegExp(`Key ${keys[0]} of product`));
    assert.match(step, /This stock collects no personal data: only the name above is stored\./);
    assert.doesNotMatch(found.html, /name="\/registration\//, 'no personal fields');
    assert.match(found.html, /id="f-owner-existing"/, 'its own account is one choice');

    const done = await client.post('/portal/register', {
      _key: keys[0] ?? '',
      _owner: 'new',
      accountName: 'Workshop 12',
      accountId: distributor.id,
    });
    assert.equal(done.status, 201, textOf(done.html));
    const text = textOf(done.html);
    assert.match(text, new RegExp(`Key ${keys[0]} is now entitlement ${keys[0]}ENT, for Workshop 12\\.`));
    const activationId = activationIdOf(done.html);
    assert.ok(activationId, 'a copy button with the activation ID');
    assert.match(text, new RegExp(`Activation ID ${activationId}`));
    assert.ok(done.html.includes(`href="/portal/entitlements/${keys[0]}ENT/email"`), 'mails the activation ID');
    assert.ok(text.includes(`${url}/activate`));
    assert.match(done.html, new RegExp(`href="/portal/entitlements/${keys[0]}ENT"`));

    const entitlement = (await api.get(`/entitlements/${keys[0]}ENT`)).body;
    assert.equal(entitlement.lineItems[0]!.activationId, activationId);
    assert.equal(entitlement.lineItems[0]!.quantity, 2);
    const owner = (await api.get(`/accounts/${entitlement.soldTo}`)).body;
    assert.deepEqual(
      { name: owner.name, parent: owner.parentAccountId, anonymous: owner.anonymous },
      { name: 'Workshop 12', parent: distributor.id, anonymous: true },
    );
    assert.equal(entitlement.registrationData, undefined);
    assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 2,
      unredeemed: 1,
      redeemed: 1,
      void: 0,
    });
  });

  it('keeps what was typed when it refuses, and asks for the owner in the words of the choice made', async () => {
    const { api, url } = server();
    const { partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(1) });
    const client = await PortalClient.as(api, url, 'partner', distributor.id);
    await client.post('/portal/register/find', { key: keys[0] ?? '' });
    const existing = await client.post('/portal/register', {
      _key: keys[0] ?? '',
      _owner: 'existing',
      accountId: '',
      accountName: 'Order 4711',
    });
    assert.equal(existing.status, 400);
    assert.equal(errorBeside(existing.html, 'accountId'), 'Choose the customer from the list.');
    assert.match(existing.html, /name="accountName"[^>]*value="Order 4711"/, 'the typed name is kept');
    assert.match(existing.html, /id="f-owner-existing"[^>]*checked/, 'and the choice made');
    assert.doesNotMatch(textOf(existing.html), /accountId|accountName|not both/, 'no API field names');
    const blank = await client.post('/portal/register', { _key: keys[0] ?? '', _owner: 'new', accountName: ' ' });
    assert.equal(blank.status, 400);
    assert.equal(errorBeside(blank.html, 'accountName'), 'Type the name of the new end customer.');
    assert.equal((await api.get(`/web-register-keys/${keys[0]}`)).body.state, 'unredeemed', 'nothing changed');
  });

  it('registers a key for an existing customer of the partner, and the producer may register too', async () => {
    const { api, url } = server();
    const { partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(3) });
    const customer = await account(api, { parentAccountId: distributor.id, name: `Garage ${process.pid}` });
    const stranger = await account(api, { name: `Stranger ${process.pid}` });
    const client = await PortalClient.as(api, url, 'partner', distributor.id);
    await client.get('/portal/register');
    const found = await client.post('/portal/register/find', { key: keys[0] ?? '' });
    assert.match(found.html, new RegExp(`<option value="${customer.id}">${customer.name}</option>`));
    assert.doesNotMatch(found.html, new RegExp(stranger.name));
    const noChoice = await client.post('/portal/register', { _key: keys[0] ?? '', _owner: 'existing' });
    assert.equal(noChoice.status, 400);
    assert.equal(errorBeside(noChoice.html, 'accountId'), 'Choose the customer from the list.');
    const notTheirs = await client.post('/portal/register', {
      _key: keys[0] ?? '',
      _owner: 'existing',
      accountId: stranger.id,
    });
    assert.equal(notTheirs.status, 422);
    assert.match(notTheirs.html, /id="f-accountId-error"[^>]*>[^<]*does not exist/);
    assert.equal((await api.get(`/web-register-keys/${keys[0]}`)).body.state, 'unredeemed');
    const done = await client.post('/portal/register', {
      _key: keys[0] ?? '',
      _owner: 'existing',
      accountId: customer.id,
      accountName: 'ignored',
    });
    assert.equal(done.status, 201);
    assert.equal((await api.get(`/entitlements/${keys[0]}ENT`)).body.soldTo, customer.id);

    const admin = await PortalClient.as(api, url, 'admin');
    await admin.get('/portal/register');
    const byProducer = await admin.post('/portal/register', {
      _key: keys[1] ?? '',
      _owner: 'new',
      accountName: 'Walk-in',
    });
    assert.equal(byProducer.status, 201);
    const owner = (await api.get(`/accounts/${(await api.get(`/entitlements/${keys[1]}ENT`)).body.soldTo}`)).body;
    assert.equal(owner.parentAccountId, distributor.id, 'below the partner the stock was sold to');
  });

  it('asks for what the registration policy requires, and refuses personal data when it is none', async () => {
    const { api, url } = server();
    const required = await bulkWithKeys(api, {
      keys: someKeys(1),
      fields: { registration: { policy: 'required', fields: ['name', 'email'] } },
    });
    const client = await PortalClient.as(api, url, 'partner', required.partner.id);
    await client.get('/portal/register');
    const found = await client.post('/portal/register/find', { key: required.keys[0] ?? '' });
    assert.match(found.html, /<input id="f-registration-name" name="\/registration\/name" type="text" value required/);
    assert.match(found.html, /name="\/registration\/email" type="email"/);
    assert.doesNotMatch(found.html, /name="\/registration\/phone"/);
    const missing = await client.post('/portal/register', {
      _key: required.keys[0] ?? '',
      _owner: 'new',
      accountName: 'Ann’s shop',
      '/registration/name': 'Ann',
    });
    assert.equal(missing.status, 422);
    assert.match(missing.html, /id="f-registration-email-error"[^>]*>required/);
    assert.match(missing.html, /value="Ann’s shop"/, 'what was typed stays');
    assert.equal((await api.get(`/web-register-keys/${required.keys[0]}`)).body.state, 'unredeemed');
    const ok = await client.post('/portal/register', {
      _key: required.keys[0] ?? '',
      _owner: 'new',
      accountName: 'Ann’s shop',
      '/registration/name': 'Ann',
      '/registration/email': 'ann@shop.example',
    });
    assert.equal(ok.status, 201);
    assert.deepEqual((await api.get(`/entitlements/${required.keys[0]}ENT`)).body.registrationData, {
      name: 'Ann',
      email: 'ann@shop.example',
    });

    const none = await bulkWithKeys(api, { keys: someKeys(1) });
    const noneClient = await PortalClient.as(api, url, 'partner', none.partner.id);
    await noneClient.get('/portal/register');
    const refused = await noneClient.post('/portal/register', {
      _key: none.keys[0] ?? '',
      _owner: 'new',
      accountName: 'x',
      '/registration/email': 'a@b.example',
    });
    assert.equal(refused.status, 422);
    assert.match(
      textOf(refused.html),
      /This stock does not collect these details, so none was stored and the key is not registered: email \(not collected\)\./,
    );
    assert.equal((await api.get(`/web-register-keys/${none.keys[0]}`)).body.state, 'unredeemed');
  });

  it('says a key was registered already without naming for whom, and that an unknown key is unknown', async () => {
    const { api, url } = server();
    const { partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(3) });
    await created(api.post(`/web-register-keys/${keys[0]}/void`), 200);
    const client = await PortalClient.as(api, url, 'partner', distributor.id);
    await client.get('/portal/register');
    const first = await client.post('/portal/register', {
      _key: keys[1] ?? '',
      _owner: 'new',
      accountName: 'Secret Customer Ltd',
    });
    assert.equal(first.status, 201);
    const again = await client.post('/portal/register/find', { key: keys[1] ?? '' });
    assert.equal(again.status, 409);
    assert.match(again.html, /id="f-key-error"[^>]*>This key has been registered already; a key is registered once\./);
    const twice = await client.post('/portal/register', {
      _key: keys[1] ?? '',
      _owner: 'new',
      accountName: 'Someone else',
    });
    assert.equal(twice.status, 409);
    assert.match(textOf(twice.html), /This web register key has already been redeemed\./);
    for (const r of [again, twice])
      assert.doesNotMatch(textOf(r.html), new RegExp(`Secret Customer|${keys[1]}ENT|acc_`));
    assert.equal((await client.post('/portal/register/find', { key: keys[0] ?? '' })).status, 409, 'void');
    assert.match(textOf((await client.post('/portal/register/find', { key: keys[0] ?? '' })).html), /This key is void/);

    const unknown = await client.post('/portal/register/find', { key: 'NO-SUCH-KEY-77' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.html, /id="f-key-error"[^>]*>There is no such key in your stock/);
    assert.equal((await client.post('/portal/register/find', { key: '' })).status, 400);

    const other = await PortalClient.as(api, url, 'partner', (await partner(api)).id);
    await other.get('/portal/register');
    const theirs = await other.post('/portal/register/find', { key: keys[2] ?? '' });
    assert.equal(theirs.status, 404, 'another partner’s key is unknown to it');
    assert.equal(
      (await other.post('/portal/register', { _key: keys[2] ?? '', _owner: 'new', accountName: 'x' })).status,
      404,
    );
    assert.equal((await api.get(`/web-register-keys/${keys[2]}`)).body.state, 'unredeemed');
  });

  it('is for the producer and partners', async () => {
    const { api, url } = server();
    const { partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(1) });
    const customer = await PortalClient.as(
      api,
      url,
      'customer',
      (await account(api, { parentAccountId: distributor.id })).id,
    );
    assert.equal((await customer.get('/portal/register')).status, 403);
    await customer.get('/portal');
    assert.equal((await customer.post('/portal/register/find', { key: keys[0] ?? '' })).status, 403);
    assert.equal(
      (await customer.post('/portal/register', { _key: keys[0] ?? '', _owner: 'new', accountName: 'x' })).status,
      403,
    );
    const operator = await PortalClient.as(api, url, 'operator');
    assert.equal((await operator.get('/portal/register')).status, 200);
    const signedOut = new PortalClient(url);
    const r = await signedOut.get('/portal/register');
    assert.equal(r.status, 303);
    assert.equal(r.location, '/sign-in?next=%2Fportal%2Fregister');
    assert.equal((await api.get(`/web-register-keys/${keys[0]}`)).body.state, 'unredeemed');
  });
});

describeEachBackend(
  'portal: guessing keys to register',
  (server) => {
    it('counts unknown keys as failed guesses, like the API', async () => {
      const { api, url } = server();
      const { bulk, partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(1) });
      const client = await PortalClient.as(api, url, 'partner', distributor.id);
      await client.get('/portal/register');
      for (let i = 0; i < 3; i++)
        assert.equal((await client.post('/portal/register/find', { key: `GUESS-${i}-0000` })).status, 404);
      const limited = await client.post('/portal/register/find', { key: keys[0] ?? '' });
      assert.equal(limited.status, 429, 'even a right key once the address has guessed too often');
      assert.ok(limited.headers.get('retry-after'));
      assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.redeemed, 0);
    });
  },
  { failedAttemptsPerMinute: 3 },
);
