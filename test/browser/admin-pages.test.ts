import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { account, created, licenseModel, partner, product, unique } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal catalogue, accounts and users [browser]', (server) => {
  const browser = useBrowser();

  it('shows the lease of a license model only for floating ones, and sends it only then', {
    skip: browserSkip,
  }, async () => {
    const { api } = server();
    const admin = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), server().url);
    await signIn(page, admin.email);
    await page.goto('/portal/catalog/license-models/new');
    const lease = page.getByLabel('Lease in seconds');
    assert.equal(await lease.isVisible(), false, 'hidden for a node-locked model');
    await page.getByLabel('Kind').selectOption('floating');
    assert.equal(await lease.isVisible(), true, 'shown for a floating one');
    await lease.fill('600');
    await page.getByLabel('Kind').selectOption('uncounted');
    const name = unique('Site licence');
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create licence model' }).click();
    await page.getByText(`Licence model “${name}” created.`).waitFor();
    const model = (await api.get('/license-models?kind=uncounted&limit=1000')).body.items.find(
      (m: { name: string }) => m.name === name,
    );
    assert.ok(model);
    assert.equal(model.leaseSeconds, null, 'what was hidden was not sent');
    await context.close();
  });

  it('fits a phone: no page scrolls sideways', { skip: browserSkip }, async () => {
    const { api } = server();
    const p = await partner(api, { name: unique('Nordic Distribution') });
    const c = await account(api, { parentAccountId: p.id });
    await account(api, { parentAccountId: p.id, anonymous: true });
    await created(
      api.post(`/accounts/${c.id}/contacts`, {
        name: 'Ilze Ozola',
        email: 'ilze.ozola.with.a.long.address@baltic-engineering.example',
      }),
    );
    const model = await licenseModel(api);
    const prd = await product(api, { licenseModelId: model.id });
    const person = await created(
      api.post('/users', {
        email: `someone-${process.pid}@example.com`,
        name: 'Some One',
        role: 'customer',
        accountId: c.id,
      }),
    );
    const admin = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), server().url, { width: 390, height: 844 });
    await signIn(page, admin.email);
    const pages = [
      '/portal/catalog',
      `/portal/catalog/products/${prd.id}`,
      '/portal/catalog/products/new',
      '/portal/catalog/license-models',
      '/portal/accounts',
      `/portal/accounts/${p.id}`,
      `/portal/accounts/${c.id}`,
      '/portal/users',
      `/portal/users/${person.id}`,
    ];
    for (const path of pages) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path}: no sideways scrolling of the page (${overflow}px)`);
    }
    await page.goto(`/portal/users/${person.id}`);
    await page.getByRole('button', { name: 'Make a sign-in link' }).click();
    await page.getByText('Sign-in link made.').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the sign-in link wraps (${overflow}px)`);
    await context.close();
  });
});
