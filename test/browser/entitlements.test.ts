import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { account, created, partner, product } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The page scrolls only downwards: nothing sticks out sideways at this width. */
async function assertNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `${what} scrolls sideways by ${overflow}px`);
}

describeEachBackend('portal entitlements [browser]', (server) => {
  const browser = useBrowser();

  it('creates an entitlement with an added line item row, deploys it, and previews a split before splitting', {
    skip: browserSkip,
  }, async () => {
    const { api } = server();
    const buyer = await account(api, { name: `Fabrikam ${process.pid}` });
    const studio = await product(api, { name: `Studio ${process.pid}`, version: '5.0' });
    const admin = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), server().url);
    await signIn(page, admin.email);
    await page.goto('/portal/entitlements');
    await page.getByRole('link', { name: 'New entitlement', exact: true }).click();
    await page.getByLabel('Sold to').selectOption(buyer.id);
    const first = page.getByRole('group', { name: 'Line item 1' });
    await first.getByLabel('Product').selectOption(studio.id);
    await first.getByLabel('Quantity').fill('10');
    await page.getByRole('button', { name: 'Add another line item' }).click();
    const added = page.getByRole('group', { name: 'Line item 4' });
    await added.waitFor();
    assert.equal(new URL(page.url()).pathname, '/portal/entitlements/new', 'the row came without leaving the page');
    assert.equal(await first.getByLabel('Quantity').inputValue(), '10', 'what was typed stays');
    await added.getByLabel('Product').selectOption(studio.id);
    await added.getByLabel('Quantity').fill('3');
    await added.getByLabel('Expiration date').fill('2031-03-31');
    await page.getByRole('button', { name: 'Create entitlement' }).click();
    await page.getByText(/created in draft/).waitFor();
    const rows = page.locator('#line-items tbody tr');
    assert.equal(await rows.count(), 2);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByText(/is deployed now/).waitFor();
    const code = (await rows.first().locator('.activation-code a.mono').innerText()).trim();
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await rows
      .first()
      .getByRole('button', { name: `Copy ${code}` })
      .click();
    await page.waitForFunction(async (expected) => (await navigator.clipboard.readText()) === expected, code);

    await rows
      .first()
      .getByRole('link', { name: `Line item ${code}` })
      .click();
    await page.getByRole('link', { name: 'Split', exact: true }).click();
    await page.getByLabel('Quantity to split off').fill('4');
    await page.getByRole('button', { name: 'Preview the change' }).click();
    const preview = page.locator('#preview table');
    await preview.waitFor();
    assert.match(await preview.innerText(), /Quantity of this line item\s+10\s+→\s+6/);
    assert.match(new URL(page.url()).pathname, /\/split$/, 'the preview came without leaving the form');
    const unchanged = (await api.get(`/line-items/${code}`)).body;
    assert.equal(unchanged.quantity, 10, 'a preview changes nothing');
    await page.getByRole('button', { name: 'Split', exact: true }).click();
    await page.getByText(/Split 4 off into/).waitFor();
    assert.equal((await api.get(`/line-items/${code}`)).body.quantity, 6);
    await context.close();
  });

  it('fits a phone: no page scrolls sideways, wide tables scroll in their frame', { skip: browserSkip }, async () => {
    const { api } = server();
    const distributor = await partner(api);
    const studio = await product(api);
    const e = await created(
      api.post('/entitlements', {
        kind: 'simple',
        soldTo: distributor.id,
        description: 'A rather long description of the order that a person typed in, to see that it wraps',
        channelPartners: [{ accountId: distributor.id, tier: 'tier1' }],
        lineItems: [{ productId: studio.id, quantity: 10, expirationDate: '2031-01-31' }],
      }),
    );
    await created(api.post(`/entitlements/${e.id}/state`, { state: 'deployed' }), 200);
    const code = e.lineItems[0]!.activationId;
    const admin = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), server().url, { width: 390, height: 844 });
    await signIn(page, admin.email);
    for (const path of [
      '/portal/entitlements',
      `/portal/entitlements/${e.id}`,
      '/portal/entitlements/new',
      '/portal/entitlements/new?kind=bulk',
      `/portal/line-items/${code}`,
      `/portal/line-items/${code}/transfer`,
    ]) {
      await page.goto(path);
      await assertNoSidewaysScroll(page, path);
    }
    await page.goto(`/portal/entitlements/${e.id}`);
    const frame = page.locator('#line-items .table-wrap');
    assert.ok(
      await frame.evaluate((el) => el.scrollWidth > el.clientWidth),
      'the line items table scrolls inside its frame',
    );
    await frame.focus();
    await page.keyboard.press('ArrowRight');
    // Keyboard scrolling may be animated: wait for it to have moved, whatever the speed.
    await page.waitForFunction(() => (document.querySelector('#line-items .table-wrap')?.scrollLeft ?? 0) > 0);
    await page.goto(`/portal/line-items/${code}/split`);
    await page.getByLabel('Quantity to split off').fill('2');
    await page.getByRole('button', { name: 'Preview the change' }).click();
    await page.locator('#preview table').waitFor();
    await assertNoSidewaysScroll(page, 'the split preview');
    await context.close();
  });
});
