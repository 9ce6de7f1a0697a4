import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, apiKey, assertProblem, created, partner, product } from '../support/fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('bulk entitlements', (server) => {
  it('creates a bulk entitlement with its defaults: tier 1 is also the end customer', async () => {
    const { api } = server();
    const distributor = await partner(api);
    const prod = await product(api);
    const r = await api.post('/entitlements', {
      kind: 'bulk',
      productId: prod.id,
      channelPartners: [{ accountId: distributor.id, tier: 'tier1' }],
    });
    assert.equal(r.status, 201, r.text);
    const b = r.body;
    assert.equal(b.kind, 'bulk');
    assert.equal(b.state, 'draft');
    assert.equal(b.productId, prod.id);
    assert.equal(b.quantityPerKey, 1);
    assert.equal(b.entitlementIdPattern, '{key}ENT');
    assert.deepEqual(b.registration, { policy: 'none', fields: [] });
    assert.equal(b.soldTo, distributor.id);
    assert.deepEqual(b.lineItems, []);
    assert.deepEqual(b.webRegisterKeys, { total: 0, unredeemed: 0, redeemed: 0, void: 0 });
    assert.deepEqual(
      b.channelPartners.map((p) => [p.tier, p.accountId]),
      [
        ['tier1', distributor.id],
        ['endCustomer', distributor.id],
      ],
    );
  });

  it('takes its options and refuses bad ones', async () => {
    const { api } = server();
    const distributor = await partner(api);
    const reseller = await partner(api);
    const other = await partner(api);
    const customer = await account(api);
    const prod = await product(api);
    const base = { kind: 'bulk', productId: prod.id, channelPartners: [{ accountId: distributor.id, tier: 'tier1' }] };
    const full = await created(
      api.post('/entitlements', {
        ...base,
        state: 'test',
        quantityPerKey: 3,
        entitlementIdPattern: 'WEB-{bulk}-{seq}',
        registration: { policy: 'required', fields: ['email', 'company'] },
        keyPrefix: 'ACME',
        channelPartners: [
          { accountId: distributor.id, tier: 'tier1' },
          { accountId: distributor.id, tier: 'endCustomer' },
          { accountId: reseller.id, tier: 'tier2' },
        ],
      }),
    );
    assert.equal(full.state, 'test');
    assert.equal(full.quantityPerKey, 3);
    assert.deepEqual(full.registration, { policy: 'required', fields: ['email', 'company'] });
    const cases: [unknown, number, string][] = [
      [{ ...base, channelPartners: [{ accountId: distributor.id, tier: 'tier2' }] }, 400, 'VALIDATION_FAILED'],
      [
        {
          ...base,
          channelPartners: [
            { accountId: distributor.id, tier: 'tier1' },
            { accountId: other.id, tier: 'endCustomer' },
          ],
        },
        422,
        'UNPROCESSABLE',
      ],
      [{ ...base, channelPartners: [{ accountId: customer.id, tier: 'tier1' }] }, 422, 'UNPROCESSABLE'],
      [{ ...base, channelPartners: [] }, 400, 'VALIDATION_FAILED'],
      [{ ...base, productId: 'prd_missing' }, 422, 'UNKNOWN_REFERENCE'],
      [{ ...base, quantityPerKey: 0 }, 400, 'VALIDATION_FAILED'],
      [{ ...base, entitlementIdPattern: 'FIXED' }, 400, 'VALIDATION_FAILED'],
      [{ ...base, entitlementIdPattern: '{key} ENT' }, 400, 'VALIDATION_FAILED'],
      [{ ...base, registration: { policy: 'none', fields: ['email'] } }, 400, 'VALIDATION_FAILED'],
      [{ ...base, registration: { policy: 'required', fields: [] } }, 400, 'VALIDATION_FAILED'],
      [{ ...base, registration: { policy: 'sometimes', fields: [] } }, 400, 'VALIDATION_FAILED'],
      [{ ...base, keyPrefix: 'acme' }, 400, 'VALIDATION_FAILED'],
      [{ ...base, lineItems: [] }, 400, 'VALIDATION_FAILED'],
      [{ kind: 'bulk', channelPartners: base.channelPartners }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) assertProblem(await api.post('/entitlements', body), status, code);
    assertProblem(
      await api.post(`/entitlements/${full.id}/line-items`, { productId: prod.id, quantity: 1 }),
      422,
      'UNPROCESSABLE',
    );
    const edited = await api.patch(`/entitlements/${full.id}`, {
      quantityPerKey: 2,
      registration: { policy: 'optional', fields: ['name'] },
    });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.quantityPerKey, 2);
    assertProblem(await api.patch(`/entitlements/${full.id}`, { soldTo: customer.id }), 422, 'UNPROCESSABLE');
  });

  it('loads a text/plain key file: comments, blanks and spaces ignored, keys shown in upper case', async () => {
    const { api } = server();
    const { bulk } = await bulkWithKeys(api, { state: 'draft' });
    const keys = someKeys(3, 'ab');
    const file = `# keys for ACME, batch 7\n\n  ${keys[0]}  \n${keys[1]}\r\n# another comment\n${keys[2]}\n\n`;
    const r = await api.request('POST', `/entitlements/${bulk.id}/web-register-keys`, {
      raw: file,
      contentType: 'text/plain',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.added, 3);
    assert.deepEqual(r.body.rejected, []);
    assert.match(r.body.loadId, /^kld_/);
    const listed = (await api.get(`/entitlements/${bulk.id}/web-register-keys`)).body.items;
    assert.deepEqual(
      listed.map((k) => k.key),
      keys.map((k) => k.toUpperCase()),
    );
    assert.ok(
      listed.every(
        (k) =>
          k.state === 'unredeemed' &&
          k.entitlementId === bulk.id &&
          k.redeemedEntitlementId === null &&
          k.loadId === r.body.loadId,
      ),
    );
    assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 3,
      unredeemed: 3,
      redeemed: 0,
      void: 0,
    });
  });

  it('rejects a whole load for one bad or duplicate key, naming every one; ?partial=true loads the rest', async () => {
    const { api } = server();
    const { bulk, keys: existing } = await bulkWithKeys(api, { state: 'draft', keys: someKeys(1) });
    const fresh = someKeys(2);
    const load = [fresh[0], 'bad key!', existing[0]!.toLowerCase(), fresh[1], fresh[1]!.replaceAll('-', ''), 'abc'];
    const r = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { keys: load });
    assertProblem(r, 422, 'KEYS_REJECTED');
    assert.equal(r.body.added, 0);
    assert.deepEqual(r.body.rejected.map((x) => x.reason).sort(), [
      'already-exists',
      'duplicate-in-load',
      'invalid',
      'invalid',
    ]);
    assert.ok(r.body.rejected.some((x) => x.key === 'bad key!' && x.reason === 'invalid'));
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.total, 1, 'nothing loaded');
    assertProblem(await api.get(`/web-register-keys/${fresh[0]}`), 404, 'NOT_FOUND');

    const partial = await api.post(`/entitlements/${bulk.id}/web-register-keys?partial=true`, { keys: load });
    assert.equal(partial.status, 201, partial.text);
    assert.equal(partial.body.added, 2);
    assert.equal(partial.body.rejected.length, 4);
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.total, 3);
  });

  it('keeps keys unique across the whole system, activation IDs included', async () => {
    const { api } = server();
    const shared = someKeys(1)[0]!;
    await bulkWithKeys(api, { keys: [shared] });
    const { bulk } = await bulkWithKeys(api, { state: 'draft' });
    const r = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { key: shared });
    assertProblem(r, 422, 'KEYS_REJECTED');
    assert.deepEqual(r.body.rejected, [{ key: shared.toUpperCase(), reason: 'already-exists' }]);
    const customer = await account(api);
    const prod = await product(api);
    const activationCode = someKeys(1, 'LI')[0];
    await created(
      api.post('/entitlements', {
        kind: 'simple',
        soldTo: customer.id,
        lineItems: [{ productId: prod.id, quantity: 1, activationId: activationCode }],
      }),
    );
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/web-register-keys`, { key: activationCode }),
      422,
      'KEYS_REJECTED',
    );
    assertProblem(
      await api.post('/entitlements', {
        kind: 'simple',
        soldTo: customer.id,
        lineItems: [{ productId: prod.id, quantity: 1, activationId: shared }],
      }),
      409,
      'ALREADY_EXISTS',
    );
  });

  it('generates keys in the activation code format, with the prefix, and replays a retried load', async () => {
    const { api } = server();
    const { bulk } = await bulkWithKeys(api, { state: 'draft', fields: { keyPrefix: 'ACME' } });
    const headers = { 'idempotency-key': `load-${Date.now()}` };
    const first = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 25 }, { headers });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.added, 25);
    const again = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 25 }, { headers });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body, 'the first answer, replayed');
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.total, 25, 'loaded once');
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 5 }, { headers }),
      409,
      'IDEMPOTENCY_CONFLICT',
    );
    const keys = (await api.get(`/entitlements/${bulk.id}/web-register-keys?loadId=${first.body.loadId}&limit=1000`))
      .body.items;
    assert.equal(keys.length, 25);
    for (const k of keys) assert.match(k.key, /^ACME(-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
    const withPrefix = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 1, prefix: 'X9' });
    const x9 = (await api.get(`/entitlements/${bulk.id}/web-register-keys?loadId=${withPrefix.body.loadId}`)).body
      .items[0]!.key;
    assert.match(x9, /^X9-/);
    for (const body of [
      { generate: 0 },
      { generate: 1_000_001 },
      { generate: 1, keys: ['ABCD'] },
      {},
      { keys: ['ABCD'], prefix: 'X' },
      { generate: 1, prefix: 'x-y' },
    ]) {
      assertProblem(await api.post(`/entitlements/${bulk.id}/web-register-keys`, body), 400, 'VALIDATION_FAILED');
    }
  });

  it('refuses loads into simple, inactive or obsolete entitlements and by other roles', async () => {
    const { api } = server();
    const { bulk, partner: distributor } = await bulkWithKeys(api, { keys: someKeys(1) });
    await created(api.post(`/entitlements/${bulk.id}/state`, { state: 'inactive' }), 200);
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/web-register-keys`, { keys: someKeys(1) }),
      409,
      'INVALID_STATE',
    );
    const customer = await account(api);
    const prod = await product(api);
    const simple = await created(
      api.post('/entitlements', {
        kind: 'simple',
        soldTo: customer.id,
        lineItems: [{ productId: prod.id, quantity: 1 }],
      }),
    );
    assertProblem(
      await api.post(`/entitlements/${simple.id}/web-register-keys`, { keys: someKeys(1) }),
      422,
      'UNPROCESSABLE',
    );
    const partnerApi = api.as(await apiKey(api, 'partner', distributor.id));
    assertProblem(
      await partnerApi.post(`/entitlements/${bulk.id}/web-register-keys`, { keys: someKeys(1) }),
      403,
      'FORBIDDEN',
    );
    assertProblem(
      await api.request('POST', `/entitlements/${bulk.id}/web-register-keys`, {
        raw: '<keys/>',
        contentType: 'application/xml',
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assertProblem(
      await api.request('POST', `/entitlements/NOPE/web-register-keys`, { raw: 'ABCDEF\n' }),
      404,
      'NOT_FOUND',
    );
  });

  it('lists keys by state with paging, exports them as CSV and voids unredeemed ones', async () => {
    const { api } = server();
    const { bulk, keys } = await bulkWithKeys(api, { keys: someKeys(6) });
    const voided = await api.post(`/entitlements/${bulk.id}/web-register-keys/void`, {
      keys: [keys[0], keys[1]!.toLowerCase()],
    });
    assert.equal(voided.status, 200, voided.text);
    assert.deepEqual(voided.body, { voided: 2, rejected: [] });
    const single = await api.post(`/web-register-keys/${keys[2]}/void`);
    assert.equal(single.body.state, 'void');
    assertProblem(await api.post(`/web-register-keys/${keys[2]}/void`), 409, 'INVALID_STATE');
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/web-register-keys/void`, { keys: [keys[3], keys[2], 'NOPE-NOPE'] }),
      409,
      'INVALID_STATE',
    );
    assert.equal((await api.get(`/web-register-keys/${keys[3]}`)).body.state, 'unredeemed', 'all or nothing');
    assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 6,
      unredeemed: 3,
      redeemed: 0,
      void: 3,
    });

    const voidPage = await api.get(`/entitlements/${bulk.id}/web-register-keys?status=void&limit=2`);
    assert.equal(voidPage.body.items.length, 2);
    assert.ok(voidPage.body.nextCursor);
    const rest = await api.get(
      `/entitlements/${bulk.id}/web-register-keys?status=void&limit=2&cursor=${voidPage.body.nextCursor}`,
    );
    assert.deepEqual(
      rest.body.items.map((k) => k.key),
      [keys[2]],
    );
    assert.equal(rest.body.nextCursor, null);

    const csv = await api.get(`/entitlements/${bulk.id}/web-register-keys?status=unredeemed`, {
      headers: { accept: 'text/csv' },
    });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = csv.text.trim().split('\n');
    assert.equal(lines[0], 'key,state,entitlementId,redeemedEntitlementId,redeemedAt,voidedAt,loadId,loadedAt');
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',')[0]),
      keys.slice(3),
    );
    assertProblem(await api.get(`/entitlements/${bulk.id}/web-register-keys?status=lost`), 400, 'VALIDATION_FAILED');
  });
});
