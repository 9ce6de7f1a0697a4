import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Locator } from 'playwright-core';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { partner, product } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

/** Picks the option of a select whose text starts with `text`, as a person reads the list. */
async function choose(select: Locator, text: string): Promise<void> {
  const value = await select.locator('option', { hasText: text }).first().getAttribute('value');
  assert.ok(value, `an option "${text}"`);
  await select.selectOption(value);
}

/** The journeys issue 6 names, each through the pages only, as a person would click through them. */
describeEachBackend('portal journeys [browser]', (server) => {
  const browser = useBrowser();

  it('producer: from a new product to a deployed bulk entitlement with an uploaded key file', {
    skip: browserSkip,
  }, async () => {
    const { api, url } = server();
    const distributor = await partner(api, { name: `Nordic Distribution ${process.pid}` });
    const admin = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), url);
    await signIn(page, admin.email);
    page.on('dialog', (dialog) => void dialog.accept());

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Catalogue' }).click();
    await page.goto('/portal/catalog/license-models/new');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(`Annual ${process.pid}`);
    await page.getByLabel('Licence lifetime in days').fill('365');
    await page.getByRole('button', { name: /Create/ }).click();
    await page.waitForURL(/\/portal\/catalog\/license-models\/lm_/);

    await page.goto('/portal/catalog/products/new');
    const productName = `Journey Studio ${process.pid}`;
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(productName);
    await page.getByRole('textbox', { name: 'Version', exact: true }).first().fill('5.0');
    await choose(page.getByLabel('Licence model'), `Annual ${process.pid}`);
    await page.getByRole('button', { name: /Create/ }).click();
    await page.waitForURL(/\/portal\/catalog\/products\/prd_/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Entitlements' }).click();
    await page.getByRole('link', { name: 'New bulk entitlement', exact: true }).click();
    await choose(page.getByLabel('Product'), productName);
    await page
      .getByRole('group', { name: 'Channel partner 1' })
      .getByLabel('Account', { exact: true })
      .selectOption(distributor.id);
    await page.getByRole('button', { name: 'Create bulk entitlement' }).click();
    await page.waitForURL(/\/portal\/entitlements\/[^/]+$/);
    const entitlementPath = new URL(page.url()).pathname;

    await page
      .getByRole('link', { name: /Web register keys/ })
      .first()
      .click();
    const keys = someKeys(1_000, 'JOURNEY');
    await page.getByLabel('Key file').setInputFiles({
      name: 'stock.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(`# first batch\n${keys.join('\n')}\n`),
    });
    await page.getByRole('button', { name: 'Upload key file' }).click();
    await page.getByText('Loaded 1,000 keys.').waitFor();

    await page.goto(entitlementPath);
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByText(/is deployed now/).waitFor();
    const id = decodeURIComponent(entitlementPath.split('/').at(-1) ?? '');
    const bulk = (await api.get(`/entitlements/${id}`)).body;
    assert.equal(bulk.state, 'deployed');
    assert.equal(bulk.kind, 'bulk');
    assert.deepEqual(bulk.webRegisterKeys, { total: 1000, unredeemed: 1000, redeemed: 0, void: 0 });
    assert.deepEqual(
      bulk.channelPartners.map((p: { tier: string; accountId: string }) => [p.tier, p.accountId]).sort(),
      [
        ['endCustomer', distributor.id],
        ['tier1', distributor.id],
      ],
    );
    await context.close();
  });

  it('partner: registers a key for an anonymous end customer known by name only', { skip: browserSkip }, async () => {
    const { api, url } = server();
    const { partner: distributor, keys } = await bulkWithKeys(api, {
      keys: someKeys(2, 'SHOP'),
      productId: (await product(api)).id,
    });
    const user = await portalUser(api, 'partner', distributor.id);
    const { context, page } = await newPage(browser(), url);
    await signIn(page, user.email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Register a key' }).click();
    await page.getByLabel('Web register key').fill((keys[0] ?? '').toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    // Typing the name chooses "a new end customer"; the radio need not be ticked first.
    assert.equal(await page.getByLabel('An existing customer').isChecked(), true, 'the choice starts on existing');
    await page.getByLabel('Name of the new end customer').fill('Order 4711');
    assert.equal(await page.getByLabel('A new end customer, known by name only').isChecked(), true);
    await page.getByRole('button', { name: 'Register the key' }).click();
    await page
      .getByText(/registered/i)
      .first()
      .waitFor();
    const redeemed = (await api.get(`/web-register-keys/${keys[0]}`)).body;
    assert.equal(redeemed.state, 'redeemed');
    const entitlement = (await api.get(`/entitlements/${redeemed.redeemedEntitlementId}`)).body;
    const owner = (await api.get(`/accounts/${entitlement.soldTo}`)).body;
    assert.deepEqual([owner.name, owner.anonymous, owner.parentAccountId], ['Order 4711', true, distributor.id]);
    assert.equal((await api.get(`/accounts/${owner.id}/contacts`)).body.items.length, 0, 'no personal data');
    const code = entitlement.lineItems[0]!.activationId;
    assert.ok(
      (await page.locator('main').innerText()).includes(code),
      'the activation ID to hand to the customer is shown',
    );
    await context.close();
  });

  it("partner: another partner's entitlement does not exist for it, even by URL", { skip: browserSkip }, async () => {
    const { api, url } = server();
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1, 'THEIRS') });
    const other = await partner(api);
    const user = await portalUser(api, 'partner', other.id);
    const { context, page } = await newPage(browser(), url);
    await signIn(page, user.email);
    for (const path of [`/portal/entitlements/${bulk.id}`, `/portal/entitlements/${bulk.id}/keys`]) {
      const response = await page.goto(path);
      assert.equal(response?.status(), 404, path);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      assert.ok(
        !(await page.content()).includes(bulk.channelPartners[0]!.accountId),
        'nothing of the other partner is shown',
      );
    }
    await page.goto('/portal/entitlements');
    assert.ok(!(await page.locator('main').innerText()).includes(bulk.id), 'nor listed');
    await context.close();
  });
});
