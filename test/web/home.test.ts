import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { account, apiKey, created, partner } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { anonymousCustomer } from '../support/portal-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal: home dashboards', (server) => {
  /** The number on the dashboard card with this label. */
  const card = (html: string, label: string) => {
    const match = new RegExp(
      `<span class="stat-value">([\\d,-]+)</span><span class="stat-label">${label.replace(/[()]/g, '\\$&')}`,
    ).exec(html);
    assert.ok(match, `no card "${label}"`);
    return Number(match[1]?.replace(/,/g, ''));
  };

  it('counts keys and activations for the producer across all stock, and for each partner its own', async () => {
    const { api, url, running } = server();
    const ctx = running.ctx as { now: () => Date };
    const before = await (async () => {
      const admin = await PortalClient.as(api, url, 'admin');
      const html = (await admin.get('/portal')).html;
      return { inStock: card(html, 'Web register keys in stock'), redeemed: card(html, 'Web register keys redeemed') };
    })();

    const alpha = await bulkWithKeys(api, { generate: 10 });
    const beta = await bulkWithKeys(api, { generate: 4 });
    await bulkWithKeys(api, { generate: 5, state: 'draft', partnerId: alpha.partner.id });
    const alphaApi = api.as(await apiKey(api, 'partner', alpha.partner.id));
    for (const key of alpha.keys.slice(0, 3))
      await created(alphaApi.post(`/web-register-keys/${key}/redeem`, { accountName: `Shop ${key}` }));
    await created(api.post(`/web-register-keys/${alpha.keys[3]}/void`), 200);
    await created(api.as(null).post('/activations', { code: beta.keys[0], fingerprint: fingerprint() }));

    const admin = await PortalClient.as(api, url, 'admin');
    const home = await admin.get('/portal');
    assert.equal(home.status, 200);
    assert.equal(card(home.html, 'Web register keys in stock') - before.inStock, 6 + 3);
    assert.equal(card(home.html, 'Web register keys redeemed') - before.redeemed, 3 + 1);
    assert.match(home.html, /<canvas data-chart="[^"]*doughnut/);
    assert.match(textOf(home.html), /Recent changes .*activation\.created/);
    assert.match(home.html, /href="\/portal\/entitlements\/new\?kind=bulk"/);

    const alphaPortal = await PortalClient.as(api, url, 'partner', alpha.partner.id);
    const own = (await alphaPortal.get('/portal')).html;
    assert.equal(card(own, 'Keys in stock (deployed, unredeemed)'), 6);
    assert.equal(card(own, 'Keys redeemed'), 3);
    assert.equal(card(own, 'Keys not on sale yet (draft, test or suspended)'), 5);
    assert.equal(card(own, 'Keys void'), 1);
    const betaPortal = await PortalClient.as(api, url, 'partner', beta.partner.id);
    const other = (await betaPortal.get('/portal')).html;
    assert.equal(card(other, 'Keys in stock (deployed, unredeemed)'), 3);
    assert.equal(card(other, 'Keys redeemed'), 1);

    // Activations of this month and the last, billed to the partner; another partner's never show.
    const realNow = ctx.now;
    const now = realNow();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15, 12));
    const sold = await activatable(api, {
      soldTo: (await account(api, { name: 'Contoso Ltd', parentAccountId: alpha.partner.id })).id,
      fields: { channelPartners: [{ accountId: alpha.partner.id, tier: 'tier1' }] },
    });
    try {
      ctx.now = () => lastMonth;
      await api
        .as(null)
        .post('/activations', { code: sold.code, fingerprint: fingerprint(), deviceName: 'Last month box' });
    } finally {
      ctx.now = realNow;
    }
    await api
      .as(null)
      .post('/activations', { code: sold.code, fingerprint: fingerprint(), deviceName: 'This month box' });
    await api.as(null).post('/activations', { code: sold.code, fingerprint: fingerprint(), deviceName: 'Another box' });
    const thisMonth = now.toISOString().slice(0, 7);
    const withActivations = (await alphaPortal.get('/portal')).html;
    assert.equal(card(withActivations, `Net billable activations this month (${thisMonth})`), 2);
    assert.equal(
      card(withActivations, `Net billable activations last month (${lastMonth.toISOString().slice(0, 7)})`),
      1,
    );
    assert.match(
      textOf(withActivations),
      /Recent activations of your customers .*Another box.*This month box.*Last month box/,
    );
    assert.match(textOf(withActivations), /Contoso Ltd/);
    const betaHome = (await betaPortal.get('/portal')).html;
    assert.equal(card(betaHome, `Net billable activations this month (${thisMonth})`), 1, 'only its own');
    assert.doesNotMatch(textOf(betaHome), /Contoso|This month box/);
  });

  it('shows a customer its entitlements and devices, and an anonymous end customer its devices', async () => {
    const { api, url } = server();
    const p = await partner(api);
    const customer = await account(api, { name: 'Northwind', parentAccountId: p.id });
    const sold = await activatable(api, { soldTo: customer.id });
    await activatable(api, { soldTo: (await account(api, { name: 'Someone Else' })).id });
    await api
      .as(null)
      .post('/activations', { code: sold.code, fingerprint: fingerprint(), deviceName: 'Northwind server' });
    const client = await PortalClient.as(api, url, 'customer', customer.id);
    const home = textOf((await client.get('/portal')).html);
    assert.match(home, new RegExp(`Your entitlements .*${sold.entitlement.id} deployed ${sold.code} 1 of 5`));
    assert.match(home, /Your devices .*Northwind server/);
    assert.doesNotMatch(home, /Someone Else/);

    const anonymous = await anonymousCustomer(server(), p.id);
    const none = textOf((await anonymous.client.get('/portal')).html);
    assert.match(none, /No device holds a licence of yours now\./);
    assert.doesNotMatch(none, /Northwind/);
    assert.equal((await new PortalClient(url).get('/portal')).location, '/sign-in?next=%2Fportal');
  });
});
