import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertProblem, created, licenseModel, unique } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import type { FeatureBody, LicenseModelBody, ProductBody } from '../../src/http/schemas/entities.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';

describeEachBackend('catalogue', (server) => {
  it('creates license models of each kind with their defaults', async () => {
    const { api } = server();
    const nodeLocked = await licenseModel(api, { durationDays: 365, overdraft: 2, maxRehosts: 3, allowOffline: false });
    assert.match(nodeLocked.id, /^lm_/);
    assert.deepEqual(
      {
        kind: nodeLocked.kind,
        durationDays: nodeLocked.durationDays,
        overdraft: nodeLocked.overdraft,
        maxRehosts: nodeLocked.maxRehosts,
        allowOffline: nodeLocked.allowOffline,
        leaseSeconds: nodeLocked.leaseSeconds,
      },
      { kind: 'node-locked', durationDays: 365, overdraft: 2, maxRehosts: 3, allowOffline: false, leaseSeconds: null },
    );
    const floating = await licenseModel(api, { kind: 'floating' });
    assert.equal(floating.leaseSeconds, 900);
    assert.equal(floating.durationDays, null);
    assert.equal(floating.allowOffline, true);
    const uncounted = await licenseModel(api, { kind: 'uncounted' });
    assert.deepEqual((await api.get<LicenseModelBody>(`/license-models/${uncounted.id}`)).body, uncounted);
    assert.deepEqual(
      (await api.get<PageBody<LicenseModelBody>>('/license-models?kind=floating')).body.items
        .map((m) => m.id)
        .includes(floating.id),
      true,
    );
    assert.equal(
      (await api.get<PageBody<LicenseModelBody>>('/license-models?kind=floating')).body.items.some(
        (m) => m.kind !== 'floating',
      ),
      false,
    );
  });

  it('refuses bad license models', async () => {
    const { api } = server();
    const name = unique('model');
    await licenseModel(api, { name });
    assertProblem(await api.post('/license-models', { name, kind: 'node-locked' }), 409, 'ALREADY_EXISTS');
    assertProblem(await api.post('/license-models', { name: 'x', kind: 'subscription' }), 400, 'VALIDATION_FAILED');
    assertProblem(
      await api.post('/license-models', { name: 'x', kind: 'node-locked', durationDays: 0 }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await api.post('/license-models', { name: 'x', kind: 'node-locked', overdraft: -1 }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await api.post('/license-models', { name: 'x', kind: 'node-locked', leaseSeconds: 60 }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(await api.get('/license-models/lm_missing'), 404, 'NOT_FOUND');
  });

  it('creates features and products that name them, and changes products', async () => {
    const { api } = server();
    const model = await licenseModel(api);
    const other = await licenseModel(api);
    const feature = await created(
      api.post<FeatureBody>('/features', { name: unique('render'), version: '2.0', description: 'GPU rendering' }),
    );
    assert.match(feature.id, /^fea_/);
    assertProblem(await api.post('/features', { name: feature.name, version: '2.0' }), 409, 'ALREADY_EXISTS');
    const name = unique('Studio');
    const p = await created(
      api.post<ProductBody>('/products', {
        name,
        version: '5.1',
        licenseModelId: model.id,
        features: [{ name: feature.name, version: '2.0', count: 4 }],
      }),
    );
    assert.match(p.id, /^prd_/);
    assert.deepEqual(p.features, [{ featureId: feature.id, name: feature.name, version: '2.0', count: 4 }]);
    assertProblem(
      await api.post('/products', { name, version: '5.1', licenseModelId: model.id }),
      409,
      'ALREADY_EXISTS',
    );
    const changed = await api.patch<ProductBody>(`/products/${p.id}`, {
      licenseModelId: other.id,
      features: [],
      description: 'new',
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.licenseModelId, other.id);
    assert.deepEqual(changed.body.features, []);
    assert.deepEqual((await api.get<ProductBody>(`/products/${p.id}`)).body, changed.body);
    assert.equal(
      (await api.get<PageBody<ProductBody>>(`/products?name=${encodeURIComponent(name.toUpperCase())}`)).body.items[0]!
        .id,
      p.id,
    );
  });

  it('refuses products with unknown references or bad fields, and changes nothing', async () => {
    const { api } = server();
    const model = await licenseModel(api);
    const feature = await created(api.post<FeatureBody>('/features', { name: unique('f') }));
    assert.equal(feature.version, '1.0');
    const before = (await api.get<PageBody<ProductBody>>('/products?limit=1000')).body.items.length;
    assertProblem(
      await api.post('/products', { name: 'x', version: '1', licenseModelId: 'lm_missing' }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assertProblem(
      await api.post('/products', {
        name: 'x',
        version: '1',
        licenseModelId: model.id,
        features: [{ name: 'nope' }],
      }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assertProblem(
      await api.post('/products', {
        name: 'x',
        version: '1',
        licenseModelId: model.id,
        features: [{ name: feature.name }, { name: feature.name }],
      }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(await api.post('/products', { name: 'x', licenseModelId: model.id }), 400, 'VALIDATION_FAILED');
    assertProblem(
      await api.post('/products', {
        name: 'x',
        version: '1',
        licenseModelId: model.id,
        features: [{ name: feature.name, count: 0 }],
      }),
      400,
      'VALIDATION_FAILED',
    );
    assert.equal((await api.get<PageBody<ProductBody>>('/products?limit=1000')).body.items.length, before);
    assertProblem(await api.patch('/products/prd_missing', { name: 'x' }), 404, 'NOT_FOUND');
    assertProblem(await api.get('/features/fea_missing'), 404, 'NOT_FOUND');
  });
});
