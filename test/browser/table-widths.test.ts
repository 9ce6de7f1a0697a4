import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { account, partner, unique } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal tables fit a desk-sized window [browser]', (server) => {
  const browser = useBrowser();

  it('shows every column of the Activations table at 1280 px without scrolling sideways', {
    skip: browserSkip,
  }, async () => {
    const { api, url } = server();
    const distributor = await partner(api, { name: unique('Nordic Software Distribution') });
    const customer = await account(api, {
      name: unique('Baltic Engineering Consultants'),
      parentAccountId: distributor.id,
    });
    const sold = await activatable(api, {
      soldTo: customer.id,
      model: { kind: 'node-locked', name: unique('Node-locked, one year'), durationDays: 365 },
      fields: { channelPartners: [{ accountId: distributor.id, tier: 'tier1' }] },
    });
    const activated = await api
      .as(null)
      .post('/activations', { code: sold.code, fingerprint: fingerprint(), deviceName: 'Design workstation 7' });
    assert.equal(activated.status, 201, activated.text);

    for (const role of ['admin', 'partner'] as const) {
      const person = await portalUser(api, role, role === 'partner' ? distributor.id : undefined);
      const { context, page } = await newPage(browser(), url, { width: 1280, height: 860 });
      await signIn(page, person.email);
      for (const path of ['/portal/activations', `/portal/activations?account=${customer.id}`, '/portal']) {
        await page.goto(path);
        const tables = await page.$$eval('.table-wrap', (wraps) =>
          wraps.map((w) => ({
            caption: w.querySelector('caption')?.textContent ?? w.querySelector('th')?.textContent ?? '',
            scroll: w.scrollWidth,
            client: w.clientWidth,
          })),
        );
        for (const t of tables)
          assert.ok(
            t.scroll <= t.client,
            `${role} ${path}: the table “${t.caption}” is ${t.scroll} px wide in ${t.client} px`,
          );
        if (path === '/portal/activations') {
          assert.ok(tables.length > 0, 'the activations page shows its table');
          for (const header of ['Licence expires', 'Count'])
            assert.ok(await page.getByRole('columnheader', { name: header, exact: true }).isVisible(), header);
        }
      }
      await context.close();
    }
  });
});
