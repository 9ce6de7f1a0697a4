import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, created, licenseModel, partner, product, unique } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

async function count(api: Api, path: string): Promise<number> {
  return (await api.get<PageBody<unknown>>(`${path}?limit=1000`)).body.items.length;
}

describeEachBackend('portal: catalogue', (server) => {
  it('lets the producer create a license model, a feature and a product, and change the product', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    await admin.get('/portal/catalog/license-models/new');
    const modelName = unique('Floating year');
    const madeModel = await admin.post('/portal/catalog/license-models', {
      name: modelName,
      kind: 'floating',
      durationDays: '365',
      overdraft: '2',
      maxRehosts: '',
      leaseSeconds: '600',
    });
    assert.equal(madeModel.status, 303, madeModel.html);
    const modelPage = await admin.get(madeModel.location ?? '');
    assert.match(textOf(modelPage.html), new RegExp(`Licence model “${modelName}” created\\.`));
    assert.match(
      textOf(modelPage.html),
      /365 days from activation.*2 beyond the quantity.*No limit.*Not allowed.*600 seconds/,
    );
    const model = (await api.get('/license-models?limit=1000')).body.items.find(
      (m: { name: string }) => m.name === modelName,
    );
    assert.ok(model);
    assert.deepEqual(
      {
        kind: model.kind,
        durationDays: model.durationDays,
        overdraft: model.overdraft,
        maxRehosts: model.maxRehosts,
        allowOffline: model.allowOffline,
        leaseSeconds: model.leaseSeconds,
      },
      { kind: 'floating', durationDays: 365, overdraft: 2, maxRehosts: null, allowOffline: false, leaseSeconds: 600 },
      'an unticked box is a no, a blank field no limit',
    );

    const featureName = unique('export-pdf').replace(/ /g, '-');
    await admin.get('/portal/catalog/features/new');
    const madeFeature = await admin.post('/portal/catalog/features', {
      name: featureName,
      version: '',
      description: 'Export to PDF',
    });
    assert.equal(madeFeature.status, 303);
    const features = await admin.get(`/portal/catalog/features?name=${encodeURIComponent(featureName)}`);
    assert.match(
      textOf(features.html),
      new RegExp(`Feature ${featureName} 1\\.0 created\\..*${featureName} 1\\.0 Export to PDF`),
    );
    await created(api.post('/features', { name: `${featureName}-b`, version: '2.0' }));

    await admin.get('/portal/catalog/products/new');
    const productName = unique('Studio');
    const madeProduct = await admin.post('/portal/catalog/products', {
      name: productName,
      version: '3.1',
      licenseModelId: model.id,
      description: 'The flagship',
      '/features/0/name': featureName,
      '/features/0/version': '',
      '/features/0/count': '4',
      '/features/1/name': '',
      '/features/1/version': '',
      '/features/1/count': '',
      '/features/2/name': `${featureName}-b`,
      '/features/2/version': '2.0',
      '/features/2/count': '',
    });
    assert.equal(madeProduct.status, 303, madeProduct.html);
    const productUrl = madeProduct.location ?? '';
    assert.match(productUrl, /^\/portal\/catalog\/products\/prd_/);
    const productId = productUrl.split('/').at(-1);
    const shown = textOf((await admin.get(productUrl)).html);
    assert.match(shown, new RegExp(`Product ${productName} 3\\.1 created\\.`));
    assert.match(shown, new RegExp(`${featureName} 1\\.0 4 ${featureName}-b 2\\.0 1`));
    const stored = (await api.get(`/products/${productId}`)).body;
    assert.deepEqual(
      stored.features.map((f: { name: string; version: string; count: number }) => [f.name, f.version, f.count]),
      [
        [featureName, '1.0', 4],
        [`${featureName}-b`, '2.0', 1],
      ],
    );
    assert.match(textOf((await admin.get('/portal/catalog')).html), new RegExp(`${productName} 3\\.1 ${modelName}`));

    // The edit form lists every feature; a row whose name is cleared is a feature removed.
    const edited = await admin.post(productUrl, {
      name: `${productName} Pro`,
      version: '3.2',
      licenseModelId: model.id,
      description: '',
      '/features/0/name': '',
      '/features/0/version': '1.0',
      '/features/0/count': '4',
      '/features/1/name': `${featureName}-b`,
      '/features/1/version': '2.0',
      '/features/1/count': '7',
    });
    assert.equal(edited.status, 303, edited.html);
    const after = (await api.get(`/products/${productId}`)).body;
    assert.equal(after.name, `${productName} Pro`);
    assert.equal(after.version, '3.2');
    assert.equal(after.description, null, 'an emptied description is cleared');
    assert.deepEqual(
      after.features.map((f: { name: string; count: number }) => [f.name, f.count]),
      [[`${featureName}-b`, 7]],
    );
  });

  it('ticks the products a product upgrades from, shows them, and offers the upgrade on a line item', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const model = await created(api.post('/license-models', { name: unique('model'), kind: 'node-locked' }));
    const basic = await created(
      api.post('/products', { name: unique('Basic'), version: '1.0', licenseModelId: model.id }),
    );
    const lite = await created(
      api.post('/products', { name: unique('Lite'), version: '1.0', licenseModelId: model.id }),
    );
    const form = await admin.get('/portal/catalog/products/new');
    assert.ok(form.html.includes(`name="upgradesFrom" value="${basic.id}"`), 'existing products are offered to tick');
    const proName = unique('Pro');
    const made = await admin.post('/portal/catalog/products', {
      name: proName,
      version: '1.0',
      licenseModelId: model.id,
      upgradesFrom: [basic.id, lite.id],
    });
    assert.equal(made.status, 303, made.html);
    const productUrl = made.location ?? '';
    const proId = productUrl.split('/').at(-1) ?? '';
    assert.deepEqual((await api.get(`/products/${proId}`)).body.upgradesFrom, [basic.id, lite.id]);
    const page = await admin.get(productUrl);
    assert.match(
      textOf(page.html),
      new RegExp(`Upgrades from ${basic.name} 1\\.0 ?, ${lite.name} 1\\.0 ?, older versions of ${proName}`),
    );
    assert.ok(page.html.includes(`href="/portal/catalog/products/${basic.id}"`));
    assert.ok(!page.html.includes(`name="upgradesFrom" value="${proId}"`), 'not itself');
    assert.equal(
      new Set([...page.html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1])).size,
      [...page.html.matchAll(/ id="([^"]+)"/g)].length,
      'ids are unique',
    );

    // One tick: still a list. Unticking all on the change form clears the list.
    const one = await admin.post(productUrl, {
      name: proName,
      version: '1.0',
      licenseModelId: model.id,
      upgradesFrom: lite.id,
    });
    assert.equal(one.status, 303, one.html);
    assert.deepEqual((await api.get(`/products/${proId}`)).body.upgradesFrom, [lite.id]);
    // A circle is refused beside the field, changing nothing.
    const circle = await admin.post(`/portal/catalog/products/${lite.id}`, {
      name: lite.name,
      version: '1.0',
      licenseModelId: model.id,
      upgradesFrom: proId,
    });
    assert.equal(circle.status, 422);
    assert.match(textOf(circle.html), /Upgrades would go round in a circle|makes a circle of upgrades/);
    assert.deepEqual((await api.get(`/products/${lite.id}`)).body.upgradesFrom, []);
    assert.equal(
      (await admin.post(productUrl, { name: proName, version: '1.0', licenseModelId: model.id })).status,
      303,
    );
    assert.deepEqual((await api.get(`/products/${proId}`)).body.upgradesFrom, []);

    await admin.post(productUrl, { name: proName, version: '1.0', licenseModelId: model.id, upgradesFrom: basic.id });
    const owner = await created(api.post('/accounts', { name: unique('account'), type: 'customer' }));
    const entitlement = await created(
      api.post('/entitlements', {
        kind: 'simple',
        soldTo: owner.id,
        lineItems: [{ productId: basic.id, quantity: 1 }],
      }),
    );
    await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
    const upgrade = await admin.get(`/portal/line-items/${entitlement.lineItems[0]!.activationId}/upgrade`);
    assert.ok(upgrade.html.includes(`value="${proId}"`), 'the product that upgrades from it is offered');
    assert.ok(!upgrade.html.includes(`value="${lite.id}"`), 'one that does not is not');
  });

  it('lets an operator create too, and permanent models allow offline by default', async () => {
    const { api, url } = server();
    const operator = await PortalClient.as(api, url, 'operator');
    await operator.get('/portal/catalog/license-models/new');
    const name = unique('Perpetual');
    const made = await operator.post('/portal/catalog/license-models', {
      name,
      kind: 'node-locked',
      durationDays: '',
      overdraft: '0',
      allowOffline: 'true',
    });
    assert.equal(made.status, 303, made.html);
    const model = (await api.get('/license-models?kind=node-locked&limit=1000')).body.items.find(
      (m: { name: string }) => m.name === name,
    );
    assert.ok(model);
    assert.equal(model.durationDays, null);
    assert.equal(model.allowOffline, true);
    assert.equal(model.leaseSeconds, null);
  });

  it('shows what is wrong beside the field and creates or changes nothing', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const [models, features, products] = [
      await count(api, '/license-models'),
      await count(api, '/features'),
      await count(api, '/products'),
    ];

    await admin.get('/portal/catalog/license-models/new');
    const noName = await admin.post('/portal/catalog/license-models', {
      name: '',
      kind: 'node-locked',
      overdraft: '-1',
    });
    assert.equal(noName.status, 400);
    assert.match(noName.html, /id="f-name-error"/);
    assert.match(noName.html, /id="f-overdraft-error"/);
    const lease = await admin.post('/portal/catalog/license-models', {
      name: unique('m'),
      kind: 'node-locked',
      leaseSeconds: '600',
    });
    assert.equal(lease.status, 400);
    assert.match(lease.html, /class="field field-invalid"[\s\S]*only floating license models have leases/);
    assert.match(lease.html, /value="600"/, 'what was typed stays');
    const badKind = await admin.post('/portal/catalog/license-models', { name: unique('m'), kind: 'site' });
    assert.equal(badKind.status, 400);

    const existing = await created(api.post('/features', { name: unique('feat').replace(/ /g, '-') }));
    await admin.get('/portal/catalog/features/new');
    const twice = await admin.post('/portal/catalog/features', { name: existing.name, version: '1.0' });
    assert.equal(twice.status, 409);
    assert.match(textOf(twice.html), /already exists/);
    const featuresNow = await count(api, '/features');

    const model = await licenseModel(api);
    await admin.get('/portal/catalog/products/new');
    const unknownFeature = await admin.post('/portal/catalog/products', {
      name: unique('p'),
      version: '1',
      licenseModelId: model.id,
      '/features/0/name': existing.name,
      '/features/1/name': '',
      '/features/1/count': '3',
      '/features/2/name': 'no-such-feature',
      '/features/2/count': '2',
    });
    assert.equal(unknownFeature.status, 422);
    // The nameless row is dropped, so the unknown feature is the second row sent, and shown as such.
    assert.match(
      unknownFeature.html,
      /id="f-features-1-name" type="text" name="\/features\/1\/name" list="feature-names" value="no-such-feature"/,
    );
    assert.match(unknownFeature.html, /id="f-features-1-error">Feature no-such-feature 1\.0 does not exist/);
    assert.ok(!unknownFeature.html.includes('id="f-features-0-error"'), 'the first row is fine');
    const badCount = await admin.post('/portal/catalog/products', {
      name: unique('p'),
      version: '1',
      licenseModelId: model.id,
      '/features/0/name': existing.name,
      '/features/0/count': '0',
    });
    assert.equal(badCount.status, 400);
    assert.match(badCount.html, /id="f-features-0-error"/);
    const noModel = await admin.post('/portal/catalog/products', {
      name: unique('p'),
      version: '1',
      licenseModelId: 'lm_missing',
    });
    assert.equal(noModel.status, 422);
    assert.match(noModel.html, /class="field field-invalid"[\s\S]*License model lm_missing does not exist/);

    const kept = await product(api, { licenseModelId: model.id });
    const other = await product(api, { licenseModelId: model.id });
    const clash = await admin.post(`/portal/catalog/products/${kept.id}`, {
      name: other.name,
      version: other.version,
      licenseModelId: model.id,
    });
    assert.equal(clash.status, 409);
    assert.match(clash.html, /class="field field-invalid"[\s\S]*already exists/);
    const emptied = await admin.post(`/portal/catalog/products/${kept.id}`, {
      name: '',
      version: '',
      licenseModelId: model.id,
    });
    assert.equal(emptied.status, 400);
    assert.match(emptied.html, /id="f-name-error"[\s\S]*id="f-version-error"/);
    assert.deepEqual((await api.get(`/products/${kept.id}`)).body, kept, 'the product is unchanged');
    assert.equal(
      (await admin.post('/portal/catalog/products/prd_missing', { name: 'x', version: '1', licenseModelId: model.id }))
        .status,
      404,
    );

    assert.equal(await count(api, '/license-models'), models + 1);
    assert.equal(featuresNow, features + 1);
    assert.equal(await count(api, '/products'), products + 2, 'only the fixtures');
    assert.equal((await admin.get('/portal/catalog/license-models?kind=site')).status, 400);
    assert.equal((await admin.get('/portal/catalog/products/prd_missing')).status, 404);
    assert.equal((await admin.get('/portal/catalog/license-models/lm_missing')).status, 404);
  });

  it('offers to create a feature the product names that the catalogue lacks, then saves the product', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const model = await licenseModel(api);
    const known = await created(api.post('/features', { name: unique('known').replace(/ /g, '-') }));
    const fresh = unique('fresh').replace(/ /g, '-');
    const name = unique('p');
    const form = {
      name,
      version: '3',
      licenseModelId: model.id,
      '/features/0/name': known.name,
      '/features/1/name': fresh,
      '/features/1/version': '2.0',
      '/features/1/count': '4',
    };
    await admin.get('/portal/catalog/products/new');
    const refused = await admin.post('/portal/catalog/products', form);
    assert.equal(refused.status, 422);
    assert.match(textOf(refused.html), new RegExp(`Not in the catalogue yet: ${fresh} 2\\.0\\.`));
    assert.match(refused.html, /<button type="submit" class="button" name="_createFeatures" value="true">/);
    assert.equal((await api.get(`/features?name=${fresh}`)).body.items.length, 0, 'a refusal creates nothing');
    const saved = await admin.post('/portal/catalog/products', { ...form, _createFeatures: 'true' });
    assert.equal(saved.status, 303, textOf(saved.html));
    const feature = (await api.get(`/features?name=${fresh}`)).body.items[0];
    assert.equal(feature?.version, '2.0');
    const product = (await api.get(`/products/${(saved.location ?? '').split('/').at(-1)}`)).body;
    assert.deepEqual(
      product.features.map((f: { name: string; version: string; count: number }) => [f.name, f.version, f.count]),
      [
        [known.name, '1.0', 1],
        [fresh, '2.0', 4],
      ],
    );
    const bad = await admin.post('/portal/catalog/products', {
      ...form,
      name: unique('p'),
      '/features/1/name': 'x'.repeat(300),
      _createFeatures: 'true',
    });
    assert.equal(bad.status, 400);
    assert.ok(bad.html.includes('id="f-features-1-error"'), 'a feature refused is shown beside its row');
  });

  it('lets partners and customers read the catalogue, and no one else change it', async () => {
    const { api, url } = server();
    const p = await partner(api);
    const c = await account(api);
    const model = await licenseModel(api);
    const kept = await product(api, { licenseModelId: model.id });
    const before = await count(api, '/products');
    for (const [role, accountId] of [
      ['partner', p.id],
      ['customer', c.id],
    ] as const) {
      const client = await PortalClient.as(api, url, role, accountId);
      const list = await client.get('/portal/catalog');
      assert.equal(list.status, 200, role);
      assert.match(textOf(list.html), new RegExp(kept.name), role);
      assert.ok(!list.html.includes('/portal/catalog/products/new'), `${role}: no button to make one`);
      const detail = await client.get(`/portal/catalog/products/${kept.id}`);
      assert.equal(detail.status, 200, role);
      assert.ok(!detail.html.includes('Change the product'), `${role}: no edit form`);
      assert.equal((await client.get('/portal/catalog/license-models')).status, 200, role);
      assert.equal((await client.get(`/portal/catalog/license-models/${model.id}`)).status, 200, role);
      assert.equal((await client.get('/portal/catalog/features')).status, 200, role);
      for (const form of [
        '/portal/catalog/products/new',
        '/portal/catalog/license-models/new',
        '/portal/catalog/features/new',
      ]) {
        assert.equal((await client.get(form)).status, 403, `${role} ${form}`);
      }
      await client.get('/portal/catalog');
      assert.equal(
        (await client.post('/portal/catalog/products', { name: unique('p'), version: '1', licenseModelId: model.id }))
          .status,
        403,
        role,
      );
      assert.equal(
        (
          await client.post(`/portal/catalog/products/${kept.id}`, {
            name: 'Taken over',
            version: '1',
            licenseModelId: model.id,
          })
        ).status,
        403,
        role,
      );
      assert.equal((await client.post('/portal/catalog/features', { name: unique('f') })).status, 403, role);
      assert.equal(
        (await client.post('/portal/catalog/license-models', { name: unique('m'), kind: 'uncounted' })).status,
        403,
        role,
      );
    }
    assert.equal(await count(api, '/products'), before);
    assert.equal((await api.get(`/products/${kept.id}`)).body.name, kept.name);

    const signedOut = new PortalClient(url);
    for (const path of [
      '/portal/catalog',
      `/portal/catalog/products/${kept.id}`,
      '/portal/catalog/features',
      '/portal/catalog/license-models/new',
    ]) {
      const r = await signedOut.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.location, `/sign-in?next=${encodeURIComponent(path)}`);
    }
  });

  it('pages long lists and keeps the filter', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const tag = unique('paged').replace(/ /g, '-');
    for (let i = 0; i < 52; i++) await created(api.post('/features', { name: `${tag}-${i}` }));
    const first = await admin.get(`/portal/catalog/features?name=${tag}`);
    const next = /href="([^"]+)" rel="next"/.exec(first.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next, 'a link to the next page');
    assert.match(next, new RegExp(`name=${tag}`));
    const second = await admin.get(next);
    assert.equal((textOf(first.html).match(new RegExp(`${tag}-\\d+`, 'g')) ?? []).length, 50);
    assert.equal((textOf(second.html).match(new RegExp(`${tag}-\\d+`, 'g')) ?? []).length, 2);
  });
});
