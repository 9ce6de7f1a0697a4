import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { partner, product, unique } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal channel-partner step [browser]', (server) => {
  const browser = useBrowser();

  it('adds a bulk entitlement’s partners in three steps, creating the distributor and a contact in place', {
    skip: browserSkip,
  }, async () => {
    const { api } = server();
    const stock = await product(api, { name: unique('Stock') });
    const reseller = await partner(api, { name: unique('Reseller') });
    const rita = (await api.post(`/accounts/${reseller.id}/contacts`, { name: 'Rita', email: 'rita@example.com' }))
      .body;
    const admin = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), server().url);
    await signIn(page, admin.email);
    await page.goto('/portal/entitlements/new?kind=bulk');
    await page.getByLabel('Description').fill('PO 881');
    await page.getByRole('combobox', { name: /^Product/ }).selectOption(stock.id);

    const first = page.getByRole('group', { name: 'Channel partner 1' });
    await first.getByText('The account is not there yet: create it here').click();
    const distributor = unique('Distributor');
    await first.getByLabel('New account’s name').fill(distributor);
    await first.getByRole('button', { name: 'Create the account and choose it' }).click();
    await page.getByText(`Account ${distributor} is created and chosen for channel partner 1.`).waitFor();
    assert.equal(await page.getByLabel('Description').inputValue(), 'PO 881', 'what was typed stays');
    assert.equal(await page.getByRole('combobox', { name: /^Product/ }).inputValue(), stock.id);
    const created = (await api.get(`/accounts?name=${encodeURIComponent(distributor)}`)).body.items[0];
    assert.equal(
      await first.getByLabel('Account', { exact: true }).inputValue(),
      created!.id,
      'the new account is chosen',
    );

    await first.getByText('Add a contact to the chosen account').click();
    await first.getByLabel('Contact’s name').fill('Dora');
    await first.getByLabel('Contact’s email').fill('dora@example.com');
    await first.getByRole('button', { name: 'Add the contact and choose it' }).click();
    await page.getByText('Contact Dora is added and chosen for channel partner 1.').waitFor();

    const second = page.getByRole('group', { name: 'Channel partner 2' });
    assert.equal(await second.getByLabel('Tier').inputValue(), 'tier2');
    await second.getByLabel('Account', { exact: true }).selectOption(reseller.id);
    // The contacts of the account just chosen come without leaving the page.
    await second.locator(`option[value="${rita.id}"]`).waitFor({ state: 'attached' });
    await second.getByLabel('Contact', { exact: true }).selectOption(rita.id);
    await page.getByRole('button', { name: 'Create bulk entitlement' }).click();
    await page.getByText(/created in draft/).waitFor();

    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const e = (await api.get(`/entitlements/${encodeURIComponent(id)}`)).body;
    const dora = (await api.get(`/accounts/${created!.id}/contacts`)).body.items[0];
    assert.equal(e.description, 'PO 881');
    assert.deepEqual(
      e.channelPartners.map((p: { tier: string; accountId: string; contactId: string | null }) => [
        p.tier,
        p.accountId,
        p.contactId,
      ]),
      [
        ['tier1', created!.id, dora!.id],
        ['tier2', reseller.id, rita.id],
        ['endCustomer', created!.id, null],
      ],
    );
    await context.close();
  });
});
