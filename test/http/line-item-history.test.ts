import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { EventBody, LineItemHistoryBody, ProductBody } from '../../src/http/schemas/entities.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';
import type { Kysely } from 'kysely';
import { openStore } from '../../src/store/database.ts';
import * as versions from '../../src/store/migrations/0012-line-item-versions.ts';
import { activatable } from '../support/activation-fixtures.ts';
import { account, apiKey, assertProblem, created, licenseModel, partner, unique } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';

const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function historyOf(api: Api, code: string, query = ''): Promise<LineItemHistoryBody> {
  return created(api.get<LineItemHistoryBody>(`/line-items/${code}/history${query}`), 200);
}

describeEachBackend('line item versions (lineage)', (server) => {
  it('keeps the terms before each renew, upsell and upgrade as versions, newest first, beside the current terms', async () => {
    const { api } = server();
    const { code, product } = await activatable(api, {
      model: { durationDays: 30 },
      quantity: 2,
      lineItem: { expirationDate: day(20) },
    });
    const yearly = await licenseModel(api, { durationDays: 365 });
    const newer = await created(
      api.post<ProductBody>('/products', { name: product.name, version: '6.0', licenseModelId: yearly.id }),
    );
    assert.equal((await historyOf(api, code)).items.length, 0, 'no version before the first change');

    await created(api.post(`/line-items/${code}/renew`, { expirationDate: day(400) }), 200);
    await created(api.post(`/line-items/${code}/upsell`, { quantity: 3 }), 200);
    await created(api.post(`/line-items/${code}/upgrade`, { productId: newer.id }), 200);

    const history = await historyOf(api, code);
    assert.equal(history.lineItem.activationId, code);
    assert.deepEqual(
      { ...history.current, since: undefined },
      {
        version: 4,
        productId: newer.id,
        quantity: 5,
        startDate: null,
        expirationDate: day(400),
        durationDays: 365,
        state: 'deployed',
        since: undefined,
      },
    );
    assert.deepEqual(
      history.items.map((v) => [v.version, v.operation]),
      [
        [3, 'upgrade'],
        [2, 'upsell'],
        [1, 'renew'],
      ],
    );
    const [upgraded, upsold, renewed] = history.items as [
      LineItemHistoryBody['items'][number],
      LineItemHistoryBody['items'][number],
      LineItemHistoryBody['items'][number],
    ];
    assert.equal(upgraded.productId, product.id, 'the version keeps the product it had');
    assert.equal(upgraded.durationDays, 30);
    assert.deepEqual(upgraded.changes, [
      { field: 'productId', from: product.id, to: newer.id },
      { field: 'durationDays', from: 30, to: 365 },
    ]);
    assert.deepEqual(upsold.changes, [{ field: 'quantity', from: 2, to: 5 }]);
    assert.equal(renewed.expirationDate, day(20));
    assert.deepEqual(renewed.changes, [{ field: 'expirationDate', from: day(20), to: day(400) }]);

    // Who and when are the audit log's own, and each version names its event.
    const events = (await api.get<PageBody<EventBody>>(`/events?lineItem=${code}`)).body.items;
    for (const [version, action] of [
      [upgraded, 'line-item.upgraded'],
      [upsold, 'line-item.upsold'],
      [renewed, 'line-item.renewed'],
    ] as const) {
      const event = events.find((e) => e.id === version.eventId);
      assert.ok(event, `event ${version.eventId} of version ${version.version}`);
      assert.equal(event.action, action);
      assert.equal(event.actor, version.actor);
      assert.equal(event.at, version.at);
      assert.match(version.actor, /^api-key:key_/);
    }
  });

  it('keeps a version on split and transfer, naming the line item that took over only to who may see it', async () => {
    const { api } = server();
    const distributor = await partner(api);
    const customer = await account(api, { parentAccountId: distributor.id });
    const { code } = await activatable(api, {
      soldTo: distributor.id,
      quantity: 5,
      fields: { channelPartners: [{ accountId: distributor.id, tier: 'tier1' }] },
    });
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    const split = await created(
      distributorApi.post(`/line-items/${code}/split`, { quantity: 2, accountId: customer.id }),
    );
    const theirs: string = split.newLineItem.activationId;
    const splitHistory = await historyOf(distributorApi, code);
    assert.deepEqual(
      splitHistory.items.map((v) => [v.version, v.operation, v.quantity, v.successorActivationId]),
      [[1, 'split', 5, theirs]],
    );
    assert.deepEqual(splitHistory.items[0]?.changes, [{ field: 'quantity', from: 5, to: 3 }]);
    assert.equal((await historyOf(api, theirs)).items.length, 0, 'the new line item starts at its first version');

    const stranger = await account(api);
    const moved = await created(
      api.post(`/line-items/${theirs}/transfer`, { accountId: stranger.id, activations: 'move' }),
    );
    const customerApi = api.as(await apiKey(api, 'customer', customer.id));
    const seenByCustomer = await historyOf(customerApi, theirs);
    assert.equal(seenByCustomer.current.state, 'obsolete');
    assert.deepEqual(
      seenByCustomer.items.map((v) => [v.operation, v.state, v.quantity, v.successorActivationId]),
      [['transfer', 'deployed', 2, null]],
      "the stranger's new line item is not the customer's to know",
    );
    assert.deepEqual(seenByCustomer.items[0]?.changes, [{ field: 'state', from: 'deployed', to: 'obsolete' }]);
    assert.equal(
      (await historyOf(api, theirs)).items[0]?.successorActivationId,
      moved.newLineItem.activationId,
      'the producer sees where it went',
    );
  });

  it("names who made each operation to a partner or customer only within its own account: the producer's people and keys read `producer`, another account's `another-account`", async () => {
    const { api } = server();
    const distributor = await partner(api);
    const customer = await account(api, { parentAccountId: distributor.id });
    const { code } = await activatable(api, {
      soldTo: distributor.id,
      quantity: 6,
      lineItem: { expirationDate: day(30) },
      fields: { channelPartners: [{ accountId: distributor.id, tier: 'tier1' }] },
    });
    const distributorKey = await apiKey(api, 'partner', distributor.id);
    const distributorApi = api.as(distributorKey);
    await created(api.post(`/line-items/${code}/renew`, { expirationDate: day(400) }), 200);
    const split = await created(
      distributorApi.post(`/line-items/${code}/split`, { quantity: 2, accountId: customer.id }),
    );
    const asProducer = await historyOf(api, code);
    const [splitBy, renewedBy] = asProducer.items.map((v) => v.actor);
    assert.match(renewedBy ?? '', /^api-key:/, 'the producer reads the audit label');
    assert.match(splitBy ?? '', /^api-key:/);
    const [producerEvent] = (await api.get<PageBody<EventBody>>(`/events?lineItem=${code}&action=line_item.renewed`))
      .body.items;
    if (producerEvent) assert.equal(producerEvent.actor, renewedBy, 'as the audit log records it');

    const seen = await historyOf(distributorApi, code);
    assert.deepEqual(
      seen.items.map((v) => [v.operation, v.actor]),
      [
        ['split', splitBy],
        ['renew', 'producer'],
      ],
      "its own key as it is; the producer's key as `producer`",
    );
    assert.ok(!JSON.stringify(seen).includes(renewedBy ?? '-'), "the producer's key ID appears nowhere");

    // A customer of the distributor reads the distributor's key as another account's.
    const theirs: string = split.newLineItem.activationId;
    await created(distributorApi.post(`/line-items/${theirs}/split`, { quantity: 1, accountId: customer.id }));
    const customerSeen = await historyOf(api.as(await apiKey(api, 'customer', customer.id)), theirs);
    assert.deepEqual(
      customerSeen.items.map((v) => [v.operation, v.actor]),
      [['split', 'another-account']],
    );
  });

  it('is read like the line item: another partner, a customer of another account or an unknown code get the same 404', async () => {
    const { api } = server();
    const owner = await partner(api);
    const other = await partner(api);
    const { code } = await activatable(api, { soldTo: owner.id });
    await created(api.post(`/line-items/${code}/upsell`, { quantity: 1 }), 200);
    const ownerApi = api.as(await apiKey(api, 'partner', owner.id));
    assert.equal((await historyOf(ownerApi, code)).items.length, 1);
    assert.equal((await historyOf(api.as(await apiKey(api, 'operator')), code)).items.length, 1);
    const unknown = assertProblem(await api.get('/line-items/NOPE-NOPE-NOPE/history'), 404, 'NOT_FOUND');
    for (const stranger of [
      api.as(await apiKey(api, 'partner', other.id)),
      api.as(await apiKey(api, 'customer', (await account(api)).id)),
    ]) {
      const hidden = assertProblem(await stranger.get(`/line-items/${code}/history`), 404, 'NOT_FOUND');
      assert.equal(hidden.detail, unknown.detail, 'a hidden line item reads like one that does not exist');
      assert.ok(!JSON.stringify(hidden).includes(code));
    }
    assertProblem(await api.as(null).get(`/line-items/${code}/history`), 401, 'UNAUTHENTICATED');
  });

  it('pages through many versions with the cursor, each telling what changed to the next, and refuses forged cursors', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 1 });
    for (let i = 1; i <= 5; i++) await created(api.post(`/line-items/${code}/upsell`, { quantity: i }), 200);
    const seen: LineItemHistoryBody['items'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: LineItemHistoryBody = await historyOf(
        api,
        code,
        `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
      assert.equal(page.current.version, 6);
    } while (cursor !== null);
    assert.equal(pages, 3);
    assert.deepEqual(
      seen.map((v) => v.version),
      [5, 4, 3, 2, 1],
    );
    // Quantities 1, 2, 4, 7, 11, 16: each version changes into the next one, across page ends too.
    const quantities = [1, 2, 4, 7, 11, 16];
    for (const v of seen) {
      assert.equal(v.quantity, quantities[v.version - 1]);
      assert.deepEqual(v.changes, [{ field: 'quantity', from: quantities[v.version - 1], to: quantities[v.version] }]);
    }
    for (const forged of ['eyJ4IjoxfQ', 'bm90LWEtbnVtYmVy', 'cHJkXzAxOTM']) {
      assertProblem(await api.get(`/line-items/${code}/history?cursor=${forged}`), 400, 'VALIDATION_FAILED');
    }
  });

  it('rebuilds, from the audit log, the versions of operations made before versions were kept', async () => {
    const { api, databaseUrl } = server();
    const distributor = await partner(api);
    const { code, product } = await activatable(api, { soldTo: distributor.id, lineItem: { expirationDate: day(30) } });
    const newer = await created(
      api.post<ProductBody>('/products', {
        name: product.name,
        version: '7.0',
        licenseModelId: product.licenseModelId,
      }),
    );
    await created(api.post(`/line-items/${code}/renew`, { expirationDate: day(90) }), 200);
    await created(api.post(`/line-items/${code}/split`, { quantity: 2 }));
    await created(api.post(`/line-items/${code}/upgrade`, { productId: newer.id }), 200);
    await created(api.post(`/line-items/${code}/upsell`, { quantity: 4 }), 200);
    const kept = await historyOf(api, code);
    assert.equal(kept.items.length, 4);

    // The database as it was before migration 0012, with only the audit log: then the migration.
    const store = openStore({ url: databaseUrl });
    try {
      const db = store.db as unknown as Kysely<unknown>;
      await versions.down(db);
      await versions.up(db);
    } finally {
      await store.close();
    }
    assert.deepEqual(await historyOf(api, code), kept);
  });

  it('numbers the versions of operations made at once without a gap or a repeat, each chained to the next', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => api.post(`/line-items/${code}/upsell`, { quantity: 1 })),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(8).fill(200),
    );
    const history = await historyOf(api, code);
    assert.equal(history.current.version, 9);
    assert.equal(history.current.quantity, 9);
    assert.deepEqual(
      history.items.map((v) => [v.version, v.quantity, v.changes]),
      [8, 7, 6, 5, 4, 3, 2, 1].map((n) => [n, n, [{ field: 'quantity', from: n, to: n + 1 }]]),
    );
    assert.equal(new Set(history.items.map((v) => v.eventId)).size, 8, 'each version has its own event');
  });

  it('keeps no version of edits to a draft: only lifecycle operations change sold terms', async () => {
    const { api } = server();
    const { code } = await activatable(api, { state: 'draft' });
    await created(api.patch(`/line-items/${code}`, { quantity: 9 }), 200);
    const history = await historyOf(api, code);
    assert.equal(history.items.length, 0);
    assert.equal(history.current.version, 1);
    assert.equal(history.current.quantity, 9);
  });
});

describeEachBackend('upgrades the catalogue allows (upgradesFrom)', (server) => {
  async function productNamed(api: Api, name: string, version: string, fields: Record<string, unknown> = {}) {
    const model = await licenseModel(api);
    return created(api.post<ProductBody>('/products', { name, version, licenseModelId: model.id, ...fields }));
  }

  async function deployedOn(api: Api, productId: string): Promise<string> {
    const owner = await account(api);
    const entitlement = await created(
      api.post('/entitlements', { kind: 'simple', soldTo: owner.id, lineItems: [{ productId, quantity: 2 }] }),
    );
    await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
    return entitlement.lineItems[0].activationId;
  }

  it('upgrades to a product of another name only when its upgradesFrom lists the current product', async () => {
    const { api } = server();
    const basic = await productNamed(api, unique('Basic'), '1.0');
    const pro = await productNamed(api, unique('Pro'), '1.0', { upgradesFrom: [basic.id] });
    const other = await productNamed(api, unique('Other'), '1.0');
    assert.deepEqual(pro.upgradesFrom, [basic.id]);
    assert.deepEqual(basic.upgradesFrom, []);
    const partnerApi = api.as(await apiKey(api, 'partner', (await partner(api)).id));
    assert.deepEqual((await partnerApi.get<ProductBody>(`/products/${pro.id}`)).body.upgradesFrom, [basic.id]);

    const code = await deployedOn(api, basic.id);
    const refused = assertProblem(
      await api.post(`/line-items/${code}/upgrade`, { productId: other.id }),
      422,
      'UPGRADE_NOT_ALLOWED',
    );
    assert.match(refused.detail, /upgradesFrom/);
    const upgraded = await created(api.post(`/line-items/${code}/upgrade`, { productId: pro.id }), 200);
    assert.equal(upgraded.productId, pro.id);
    assert.deepEqual(
      (await historyOf(api, code)).items.map((v) => [v.operation, v.productId]),
      [['upgrade', basic.id]],
    );
    // Not back: Basic does not list Pro.
    assertProblem(await api.post(`/line-items/${code}/upgrade`, { productId: basic.id }), 422, 'UPGRADE_NOT_ALLOWED');

    // The catalogue allows it once the product says so; the same-name rule holds beside it.
    await created(api.patch(`/products/${other.id}`, { upgradesFrom: [pro.id] }), 200);
    await created(api.post(`/line-items/${code}/upgrade`, { productId: other.id }), 200);
    const otherNext = await productNamed(api, other.name, '2.0');
    await created(api.post(`/line-items/${code}/upgrade`, { productId: otherNext.id }), 200);
    assert.equal((await api.get(`/line-items/${code}`)).body.productId, otherNext.id);
    assert.equal((await historyOf(api, code)).current.version, 4);
  });

  it('refuses unknown products, the product itself, duplicates and circles of upgrades, changing nothing', async () => {
    const { api } = server();
    const basic = await productNamed(api, unique('Basic'), '1.0');
    const basic2 = await productNamed(api, basic.name, '2.0');
    const pro = await productNamed(api, unique('Pro'), '1.0', { upgradesFrom: [basic.id] });

    const unknown = assertProblem(
      await api.post('/products', {
        name: unique('Ghost'),
        version: '1.0',
        licenseModelId: pro.licenseModelId,
        upgradesFrom: [basic.id, 'prd_missing'],
      }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assert.deepEqual(
      unknown.fields?.map((f) => f.field),
      ['/upgradesFrom/1'],
    );
    const self = assertProblem(
      await api.patch(`/products/${pro.id}`, { upgradesFrom: [pro.id] }),
      400,
      'VALIDATION_FAILED',
    );
    assert.deepEqual(
      self.fields?.map((f) => f.field),
      ['/upgradesFrom/0'],
    );
    assertProblem(
      await api.patch(`/products/${pro.id}`, { upgradesFrom: [basic.id, basic.id] }),
      400,
      'VALIDATION_FAILED',
    );
    // Pro upgrades from Basic 1.0: Basic 1.0 upgrading from Pro would go round.
    const direct = assertProblem(
      await api.patch(`/products/${basic.id}`, { upgradesFrom: [pro.id] }),
      422,
      'UPGRADE_CYCLE',
    );
    assert.match(direct.detail, new RegExp(`${pro.name} 1.0`));
    // A circle through a newer version of the same name: Basic 1.0 → Basic 2.0 → Pro 2 → Basic 1.0.
    const pro2 = await productNamed(api, unique('Pro'), '1.0', { upgradesFrom: [basic2.id] });
    const implicit = assertProblem(
      await api.patch(`/products/${basic.id}`, { upgradesFrom: [pro2.id] }),
      422,
      'UPGRADE_CYCLE',
    );
    assert.deepEqual((implicit as { cycle?: unknown }).cycle, [basic.id, basic2.id, pro2.id, basic.id]);
    assert.deepEqual((await api.get<ProductBody>(`/products/${basic.id}`)).body.upgradesFrom, [], 'nothing changed');
    // Renaming Pro 2 into an older version of Basic closes a circle too (Basic 0.5 → … → Basic 2.0 → Pro 2).
    assertProblem(await api.patch(`/products/${pro2.id}`, { name: basic.name, version: '0.5' }), 422, 'UPGRADE_CYCLE');
    // Changes that make no circle pass, including clearing the list.
    await created(api.patch(`/products/${pro.id}`, { name: `${pro.name} renamed` }), 200);
    await created(api.patch(`/products/${pro.id}`, { upgradesFrom: [basic.id, basic2.id] }), 200);
    assert.deepEqual((await api.get<ProductBody>(`/products/${pro.id}`)).body.upgradesFrom, [basic.id, basic2.id]);
    await created(api.patch(`/products/${pro.id}`, { upgradesFrom: [] }), 200);
    assert.deepEqual((await api.get<ProductBody>(`/products/${pro.id}`)).body.upgradesFrom, []);
    const operator = api.as(await apiKey(api, 'partner', (await partner(api)).id));
    assertProblem(await operator.patch(`/products/${pro.id}`, { upgradesFrom: [basic.id] }), 403, 'FORBIDDEN');
  });
});
