import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  account,
  assertProblem,
  created,
  partner,
  product,
  simpleEntitlement,
  problemOf,
} from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import type { EntitlementBody } from '../../src/http/schemas/entities.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';

const CODE = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/;

describeEachBackend('simple entitlements', (server) => {
  it('creates an entitlement with generated IDs and every field of the contract', async () => {
    const { api } = server();
    const customer = await account(api);
    const distributor = await partner(api);
    const contact = await created(
      api.post(`/accounts/${distributor.id}/contacts`, { name: 'Sam', email: 'sam@example.com' }),
    );
    const prod = await product(api);
    const r = await api.post('/entitlements', {
      kind: 'simple',
      soldTo: customer.id,
      description: 'Three seats of CAD',
      shipToEmail: 'it@example.com',
      shipToAddress: '1 Main St\nSpringfield',
      channelPartners: [
        { accountId: distributor.id, tier: 'tier1', contactId: contact.id },
        { accountId: customer.id, tier: 'endCustomer' },
      ],
      lineItems: [
        { productId: prod.id, quantity: 3, startDate: '2026-01-01', expirationDate: '2027-12-31' },
        { productId: prod.id, quantity: 1 },
      ],
    });
    assert.equal(r.status, 201, r.text);
    const e = r.body;
    assert.match(e.id, /^ENT-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    assert.equal(e.kind, 'simple');
    assert.equal(e.state, 'draft');
    assert.equal(e.soldTo, customer.id);
    assert.equal(e.description, 'Three seats of CAD');
    assert.equal(e.shipToEmail, 'it@example.com');
    assert.deepEqual(
      e.shipToAddress,
      { lines: ['1 Main St', 'Springfield'], city: null, postalCode: null, region: null, country: null },
      'free text, as sent before addresses had fields, is kept as lines',
    );
    assert.deepEqual(e.channelPartners, [
      { accountId: distributor.id, tier: 'tier1', contactId: contact.id },
      { accountId: customer.id, tier: 'endCustomer', contactId: null },
    ]);
    assert.equal(e.lineItems.length, 2);
    const [first, second] = e.lineItems;
    assert.ok(first && second);
    assert.match(first.activationId, CODE);
    assert.notEqual(first.activationId, second.activationId);
    assert.deepEqual(
      {
        productId: first.productId,
        quantity: first.quantity,
        state: first.state,
        startDate: first.startDate,
        expirationDate: first.expirationDate,
      },
      { productId: prod.id, quantity: 3, state: 'draft', startDate: '2026-01-01', expirationDate: '2027-12-31' },
    );
    assert.equal(second.expirationDate, null, 'permanent');
    assert.deepEqual((await api.get(`/entitlements/${e.id}`)).body, e);
  });

  it('accepts specified IDs and finds line items by activation ID in any case, with or without hyphens', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const id = `ORDER-${Date.now()}.a_b`;
    const e = await created(
      api.post('/entitlements', {
        kind: 'simple',
        id,
        soldTo: customer.id,
        lineItems: [{ productId: prod.id, quantity: 1, activationId: `my-code-${Date.now()}` }],
      }),
    );
    assert.equal(e.id, id);
    const activationId = e.lineItems[0]!.activationId;
    assert.equal(activationId, activationId.toUpperCase());
    for (const variant of [activationId, activationId.toLowerCase(), activationId.replaceAll('-', '')]) {
      const r = await api.get(`/line-items/${encodeURIComponent(variant)}`);
      assert.equal(r.status, 200, variant);
      assert.equal(r.body.entitlementId, id);
    }
    assertProblem(
      await api.post('/entitlements', { kind: 'simple', id, soldTo: customer.id, lineItems: [] }),
      409,
      'ALREADY_EXISTS',
    );
    assertProblem(
      await api.post('/entitlements', {
        kind: 'simple',
        soldTo: customer.id,
        lineItems: [{ productId: prod.id, quantity: 1, activationId: activationId.toLowerCase() }],
      }),
      409,
      'ALREADY_EXISTS',
    );
    assertProblem(
      await api.post('/entitlements', {
        kind: 'simple',
        soldTo: customer.id,
        lineItems: [
          { productId: prod.id, quantity: 1, activationId: 'TWICE-1' },
          { productId: prod.id, quantity: 1, activationId: 'twice1' },
        ],
      }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('moves through the states of DESIGN.md §1, line items following, and refuses other moves', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const e = await simpleEntitlement(api, { soldTo: customer.id, productId: prod.id });
    const move = (state: string) => api.post<EntitlementBody>(`/entitlements/${e.id}/state`, { state });
    assertProblem(await move('inactive'), 409, 'INVALID_STATE');
    assert.equal((await move('test')).body.state, 'test');
    assertProblem(await move('draft'), 409, 'INVALID_STATE');
    const deployed = await move('deployed');
    assert.equal(deployed.status, 200);
    assert.deepEqual(
      deployed.body.lineItems.map((li) => li.state),
      ['deployed'],
    );
    assertProblem(await move('test'), 409, 'INVALID_STATE');
    assert.equal((await move('inactive')).body.lineItems[0]?.state, 'inactive');
    assert.equal((await move('deployed')).body.state, 'deployed');
    assert.equal((await move('obsolete')).body.lineItems[0]?.state, 'obsolete');
    for (const state of ['draft', 'test', 'deployed', 'inactive', 'obsolete'])
      assertProblem(await move(state), 409, 'INVALID_STATE');
    assertProblem(await move('archived'), 400, 'VALIDATION_FAILED');
  });

  it('edits, adds line items to, regenerates and deletes only draft or test entitlements', async () => {
    const { api } = server();
    const customer = await account(api);
    const other = await account(api);
    const prod = await product(api);
    const e = await simpleEntitlement(api, { soldTo: customer.id, productId: prod.id, state: 'test' });
    const edited = await api.patch(`/entitlements/${e.id}`, {
      description: 'changed',
      soldTo: other.id,
      shipToEmail: null,
    });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.description, 'changed');
    assert.equal(edited.body.soldTo, other.id);

    const added = await api.post(`/entitlements/${e.id}/line-items`, { productId: prod.id, quantity: 7 });
    assert.equal(added.status, 201);
    assert.equal(added.body.lineItems.length, 2);
    assert.equal(added.body.lineItems[1]!.state, 'test');
    const li = added.body.lineItems[1]!.activationId;
    assert.equal(
      (await api.patch(`/line-items/${li}`, { quantity: 9, expirationDate: '2030-01-01' })).body.quantity,
      9,
    );
    assertProblem(await api.patch(`/line-items/${li}`, { startDate: '2031-01-01' }), 400, 'VALIDATION_FAILED');
    assert.equal((await api.delete(`/line-items/${li}`)).status, 204);
    assertProblem(await api.get(`/line-items/${li}`), 404, 'NOT_FOUND');

    const regenerated = await api.post(`/entitlements/${e.id}/regenerate-ids`);
    assert.equal(regenerated.status, 200);
    assert.notEqual(regenerated.body.id, e.id);
    assert.notEqual(regenerated.body.lineItems[0]!.activationId, e.lineItems[0]!.activationId);
    assertProblem(await api.get(`/entitlements/${e.id}`), 404, 'NOT_FOUND');
    const newId = regenerated.body.id;

    await created(api.post(`/entitlements/${newId}/state`, { state: 'deployed' }), 200);
    assertProblem(await api.patch(`/entitlements/${newId}`, { description: 'x' }), 409, 'INVALID_STATE');
    assertProblem(
      await api.post(`/entitlements/${newId}/line-items`, { productId: prod.id, quantity: 1 }),
      409,
      'INVALID_STATE',
    );
    assertProblem(await api.post(`/entitlements/${newId}/regenerate-ids`), 409, 'INVALID_STATE');
    assertProblem(
      await api.patch(`/line-items/${regenerated.body.lineItems[0]!.activationId}`, { quantity: 2 }),
      409,
      'INVALID_STATE',
    );
    assertProblem(await api.delete(`/entitlements/${newId}`), 409, 'INVALID_STATE');
    assert.equal((await api.get(`/entitlements/${newId}`)).body.description, 'changed');

    const draft = await simpleEntitlement(api, { soldTo: customer.id, productId: prod.id });
    assert.equal((await api.delete(`/entitlements/${draft.id}`)).status, 204);
    assertProblem(await api.get(`/entitlements/${draft.id}`), 404, 'NOT_FOUND');
    assertProblem(await api.get(`/line-items/${draft.lineItems[0]!.activationId}`), 404, 'NOT_FOUND');
  });

  it('keeps specified IDs when regenerating', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const id = `KEEP-${Date.now()}`;
    const e = await created(
      api.post('/entitlements', {
        kind: 'simple',
        id,
        soldTo: customer.id,
        lineItems: [
          { productId: prod.id, quantity: 1, activationId: `KEEP-CODE-${Date.now()}` },
          { productId: prod.id, quantity: 1 },
        ],
      }),
    );
    const r = (await api.post(`/entitlements/${id}/regenerate-ids`)).body;
    assert.equal(r.id, id);
    assert.equal(r.lineItems[0]!.activationId, e.lineItems[0]!.activationId);
    assert.notEqual(r.lineItems[1]!.activationId, e.lineItems[1]!.activationId);
  });

  it('refuses bad entitlements with the failing field and stores nothing', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const distributor = await partner(api);
    const before = (await api.get('/entitlements?limit=1000')).body.items.length;
    const base = { kind: 'simple', soldTo: customer.id, lineItems: [{ productId: prod.id, quantity: 1 }] };
    const cases: [unknown, number, string, string?][] = [
      [{ ...base, soldTo: 'acc_missing' }, 422, 'UNKNOWN_REFERENCE', '/soldTo'],
      [
        { ...base, lineItems: [{ productId: 'prd_missing', quantity: 1 }] },
        422,
        'UNKNOWN_REFERENCE',
        '/lineItems/0/productId',
      ],
      [
        { ...base, lineItems: [{ productId: prod.id, quantity: 0 }] },
        400,
        'VALIDATION_FAILED',
        '/lineItems/0/quantity',
      ],
      [
        { ...base, lineItems: [{ productId: prod.id, quantity: '3' }] },
        400,
        'VALIDATION_FAILED',
        '/lineItems/0/quantity',
      ],
      [{ ...base, lineItems: [{ productId: prod.id, quantity: 1.5 }] }, 400, 'VALIDATION_FAILED'],
      [
        { ...base, lineItems: [{ productId: prod.id, quantity: 1, expirationDate: '2026-02-30' }] },
        400,
        'VALIDATION_FAILED',
      ],
      [
        {
          ...base,
          lineItems: [{ productId: prod.id, quantity: 1, startDate: '2027-01-01', expirationDate: '2026-01-01' }],
        },
        400,
        'VALIDATION_FAILED',
        '/lineItems/0/expirationDate',
      ],
      // The end of 9999-12-31 is in year 10000, which no licence or activation timestamp can carry.
      [
        { ...base, lineItems: [{ productId: prod.id, quantity: 1, expirationDate: '9999-12-31' }] },
        400,
        'VALIDATION_FAILED',
        '/lineItems/0/expirationDate',
      ],
      [
        { ...base, lineItems: [{ productId: prod.id, quantity: 1, activationId: 'no spaces allowed' }] },
        400,
        'VALIDATION_FAILED',
      ],
      [{ ...base, id: 'has space' }, 400, 'VALIDATION_FAILED', '/id'],
      [{ ...base, id: 'x'.repeat(65) }, 400, 'VALIDATION_FAILED'],
      [{ ...base, state: 'deployed' }, 400, 'VALIDATION_FAILED', '/state'],
      [{ ...base, kind: 'complex' }, 400, 'VALIDATION_FAILED'],
      [{ ...base, shipToEmail: 'nope' }, 400, 'VALIDATION_FAILED', '/shipToEmail'],
      [
        { ...base, channelPartners: [{ accountId: customer.id, tier: 'tier1' }] },
        422,
        'UNPROCESSABLE',
        '/channelPartners/0/accountId',
      ],
      [{ ...base, channelPartners: [{ accountId: distributor.id, tier: 'tier3' }] }, 400, 'VALIDATION_FAILED'],
      [
        {
          ...base,
          channelPartners: [
            { accountId: distributor.id, tier: 'tier1' },
            { accountId: distributor.id, tier: 'tier1' },
          ],
        },
        400,
        'VALIDATION_FAILED',
        '/channelPartners/1/tier',
      ],
      [
        { ...base, channelPartners: [{ accountId: distributor.id, tier: 'tier1', contactId: 'con_missing' }] },
        422,
        'UNKNOWN_REFERENCE',
      ],
      [{ ...base, extra: true }, 400, 'VALIDATION_FAILED', '/extra'],
      [{ kind: 'simple', soldTo: customer.id }, 400, 'VALIDATION_FAILED', '/lineItems'],
      [[], 400, 'VALIDATION_FAILED'],
      ['a string', 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await api.post('/entitlements', body);
      assertProblem(r, status, code);
      if (field)
        assert.ok(
          problemOf(r).fields?.some((f) => f.field === field),
          `${field} in ${r.text}`,
        );
    }
    assert.equal((await api.get('/entitlements?limit=1000')).body.items.length, before);
  });

  it('lists with filters and cursor paging', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(
        await simpleEntitlement(api, { soldTo: customer.id, productId: prod.id, state: i === 0 ? 'test' : 'draft' }),
      );
    const mine = await api.get<PageBody<EntitlementBody>>(`/entitlements?account=${customer.id}`);
    assert.deepEqual(
      mine.body.items.map((e) => e.id),
      made.map((e) => e.id),
    );
    const tests = await api.get<PageBody<EntitlementBody>>(`/entitlements?account=${customer.id}&state=test`);
    assert.deepEqual(
      tests.body.items.map((e) => e.id),
      [made[0]!.id],
    );
    assert.equal((await api.get(`/entitlements?productId=${prod.id}&kind=simple`)).body.items.length, 3);
    const first = await api.get(`/entitlements?account=${customer.id}&limit=2`);
    assert.equal(first.body.items.length, 2);
    const second = await api.get<PageBody<EntitlementBody>>(
      `/entitlements?account=${customer.id}&limit=2&cursor=${first.body.nextCursor}`,
    );
    assert.deepEqual(
      second.body.items.map((e) => e.id),
      [made[2]!.id],
    );
    assert.equal(second.body.nextCursor, null);
  });
});
