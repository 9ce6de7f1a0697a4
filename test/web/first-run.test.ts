import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, created, licenseModel, product, simpleEntitlement, unique } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The checklist's steps as shown: label, and whether it is ticked. */
function steps(html: string): [string, boolean][] {
  const list = /<ol class="checklist">([\s\S]*?)<\/ol>/.exec(html)?.[1];
  if (list === undefined) return [];
  return [...list.matchAll(/<li( class="checklist-done")?>[\s\S]*?<a href="[^"]+">([^<]+)<\/a>/g)].map((m) => [
    m[2] ?? '',
    m[1] !== undefined,
  ]);
}

describeEachBackend('portal: first run', (server) => {
  it('shows an empty install a checklist ticked from the data, each step linking to its form, gone once done', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const empty = await admin.get('/portal');
    assert.match(textOf(empty.html), /Get started\s+0 of 6 done/);
    assert.deepEqual(steps(empty.html), [
      ['Add a licence model', false],
      ['Add a feature', false],
      ['Add a product', false],
      ['Add an account', false],
      ['Create an entitlement', false],
      ['Deploy it', false],
    ]);
    for (const form of [
      '/portal/catalog/license-models/new',
      '/portal/catalog/features/new',
      '/portal/catalog/products/new',
      '/portal/accounts/new',
      '/portal/entitlements/new',
    ]) {
      assert.ok(empty.html.includes(`href="${form}"`), form);
      assert.equal((await admin.get(form)).status, 200, `${form} is a form`);
    }

    const model = await licenseModel(api);
    await created(api.post('/features', { name: unique('feature').replace(/ /g, '-') }));
    const withCatalogue = await admin.get('/portal');
    assert.deepEqual(
      steps(withCatalogue.html).map(([, done]) => done),
      [true, true, false, false, false, false],
    );
    assert.match(textOf(withCatalogue.html), /2 of 6 done/);

    const prd = await product(api, { licenseModelId: model.id });
    const buyer = await account(api);
    const draft = await simpleEntitlement(api, { soldTo: buyer.id, productId: prd.id });
    assert.deepEqual(
      steps((await admin.get('/portal')).html).map(([, done]) => done),
      [true, true, true, true, true, false],
    );
    await created(api.post(`/entitlements/${draft.id}/state`, { state: 'deployed' }), 200);
    const done = await admin.get('/portal');
    assert.doesNotMatch(done.html, /Get started/, 'the checklist goes once every step is done');
    assert.match(textOf(done.html), /Recent changes/);
  });
});
