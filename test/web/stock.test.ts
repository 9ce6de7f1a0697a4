import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, created, partner } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal: partner stock', (server) => {
  it('lists a partner’s bulk entitlements with their product and key counts, and no one else’s', async () => {
    const { api, url } = server();
    const distributor = await partner(api);
    const reseller = await partner(api, { parentAccountId: distributor.id });
    const { bulk, keys } = await bulkWithKeys(api, { keys: someKeys(4), partnerId: distributor.id });
    const draft = await bulkWithKeys(api, { state: 'draft', keys: someKeys(1), partnerId: distributor.id });
    const elsewhere = await bulkWithKeys(api, { keys: someKeys(1) });
    await created(api.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Workshop' }));
    await created(api.post(`/web-register-keys/${keys[1]}/void`), 200);
    const product = (await api.get(`/products/${bulk.productId}`)).body;
    const resold = await created(
      api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 1 }),
    );

    const client = await PortalClient.as(api, url, 'partner', distributor.id);
    const page = await client.get('/portal/stock');
    assert.equal(page.status, 200);
    const text = textOf(page.html);
    assert.match(
      text,
      new RegExp(`${bulk.id} ${product.name} 1\\.0 deployed 3 1 1 1 —`),
      'keys, unredeemed, redeemed, void',
    );
    assert.match(text, new RegExp(`${draft.bulk.id} [\\s\\S]* draft 1 1 0 0`));
    assert.match(
      text,
      new RegExp(`${resold.id} [\\s\\S]* deployed 1 1 0 0 ${bulk.id}`),
      'split stock shows where it came from',
    );
    assert.match(page.html, new RegExp(`href="/portal/entitlements/${bulk.id}/keys"`));
    assert.doesNotMatch(page.html, new RegExp(elsewhere.bulk.id), 'another partner’s stock never appears');
    assert.match(page.html, /aria-current="page">Stock</, 'the partner menu’s Stock entry');
    const deployedOnly = textOf((await client.get('/portal/stock?state=draft')).html);
    assert.match(deployedOnly, new RegExp(draft.bulk.id));
    assert.doesNotMatch(deployedOnly, new RegExp(bulk.id));
    assert.equal((await client.get('/portal/stock?state=sold')).status, 400);

    const resellerClient = await PortalClient.as(api, url, 'partner', reseller.id);
    const resellerText = textOf((await resellerClient.get('/portal/stock')).html);
    assert.match(
      resellerText,
      new RegExp(`${resold.id} [\\s\\S]* 1 1 0 0 your distributor’s stock`),
      'the reseller sees its stock, not the ID it came from',
    );
    assert.doesNotMatch(resellerText, new RegExp(bulk.id));

    const admin = await PortalClient.as(api, url, 'admin');
    const all = await admin.get('/portal/stock');
    for (const id of [bulk.id, draft.bulk.id, elsewhere.bulk.id, resold.id])
      assert.match(all.html, new RegExp(id), 'the producer sees all stock');
  });

  it('says how stock arrives when there is none, and is not for customers', async () => {
    const { api, url } = server();
    const newcomer = await partner(api);
    const client = await PortalClient.as(api, url, 'partner', newcomer.id);
    assert.match(
      textOf((await client.get('/portal/stock')).html),
      /No stock yet\. Stock arrives when the producer sells you a bulk entitlement/,
    );
    const customer = await PortalClient.as(
      api,
      url,
      'customer',
      (await account(api, { parentAccountId: newcomer.id })).id,
    );
    assert.equal((await customer.get('/portal/stock')).status, 403);
    const signedOut = await new PortalClient(url).get('/portal/stock');
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.location, '/sign-in?next=%2Fportal%2Fstock');
  });
});
