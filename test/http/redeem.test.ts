import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, apiKey, assertProblem, created, partner, problemOf } from '../support/fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('redeeming web register keys', (server) => {
  it('lets the distributor redeem a key for a new anonymous end customer known by name only', async () => {
    const { api } = server();
    const {
      bulk,
      partner: distributor,
      keys,
      productId,
    } = await bulkWithKeys(api, { keys: someKeys(2), fields: { quantityPerKey: 3 } });
    const partnerApi = api.as(await apiKey(api, 'partner', distributor.id));
    const r = await partnerApi.post(`/web-register-keys/${keys[0]!.toLowerCase()}/redeem`, {
      accountName: 'Workshop 12',
    });
    assert.equal(r.status, 201, r.text);
    const e = r.body;
    assert.equal(e.kind, 'simple');
    assert.equal(e.state, 'deployed');
    assert.equal(e.id, `${keys[0]}ENT`);
    assert.equal(e.webRegisterKey, keys[0]);
    assert.equal(e.bulkEntitlementId, bulk.id);
    assert.equal(e.lineItems.length, 1);
    assert.deepEqual(
      { productId: e.lineItems[0]!.productId, quantity: e.lineItems[0]!.quantity, state: e.lineItems[0]!.state },
      { productId, quantity: 3, state: 'deployed' },
    );
    const owner = (await api.get(`/accounts/${e.soldTo}`)).body;
    assert.deepEqual(
      { name: owner.name, type: owner.type, parentAccountId: owner.parentAccountId, anonymous: owner.anonymous },
      { name: 'Workshop 12', type: 'customer', parentAccountId: distributor.id, anonymous: true },
    );
    assert.deepEqual((await api.get(`/accounts/${owner.id}/contacts`)).body.items, []);
    assert.equal(e.registrationData, undefined, 'no personal data stored');
    assert.deepEqual(
      e.channelPartners.map((p) => [p.tier, p.accountId]),
      [
        ['tier1', distributor.id],
        ['endCustomer', owner.id],
      ],
    );
    const key = (await api.get(`/web-register-keys/${keys[0]}`)).body;
    assert.deepEqual(
      { state: key.state, redeemedEntitlementId: key.redeemedEntitlementId },
      { state: 'redeemed', redeemedEntitlementId: e.id },
    );
    assert.ok(key.redeemedAt);
    assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 2,
      unredeemed: 1,
      redeemed: 1,
      void: 0,
    });
    assert.equal((await partnerApi.get(`/entitlements/${e.id}`)).status, 200, 'the partner sees what it sold');
    const events = (
      await api.get(
        `/events?subjectId=${(await api.get(`/events?action=web-register-key.redeemed&limit=1`)).body.items[0]!.subjectId}&action=web-register-key.redeemed`,
      )
    ).body.items;
    assert.ok(events.length >= 1);
  });

  it('redeems a key exactly once, and the refusal names nobody', async () => {
    const { api } = server();
    const { partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(1) });
    const partnerApi = api.as(await apiKey(api, 'partner', distributor.id));
    await created(partnerApi.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Secret Customer Ltd' }));
    for (const who of [partnerApi, api]) {
      const again = await who.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Someone else' });
      assertProblem(again, 409, 'ALREADY_REDEEMED');
      assert.doesNotMatch(again.text, /Secret Customer|acc_|ENT/);
    }
  });

  it('redeems for an existing customer of the partner, or by the producer for anyone', async () => {
    const { api } = server();
    const { partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(4) });
    const own = await account(api, { parentAccountId: distributor.id });
    const stranger = await account(api);
    const otherPartner = await partner(api);
    const partnerApi = api.as(await apiKey(api, 'partner', distributor.id));
    assert.equal(
      (await partnerApi.post(`/web-register-keys/${keys[0]}/redeem`, { accountId: own.id })).body.soldTo,
      own.id,
    );
    assertProblem(
      await partnerApi.post(`/web-register-keys/${keys[1]}/redeem`, { accountId: stranger.id }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assertProblem(
      await partnerApi.post(`/web-register-keys/${keys[1]}/redeem`, { accountId: own.id, accountName: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(await partnerApi.post(`/web-register-keys/${keys[1]}/redeem`, {}), 400, 'VALIDATION_FAILED');
    assert.equal(
      (await api.post(`/web-register-keys/${keys[1]}/redeem`, { accountId: stranger.id })).body.soldTo,
      stranger.id,
    );
    const byProducer = (await api.post(`/web-register-keys/${keys[2]}/redeem`, { accountName: 'Walk-in' })).body;
    assert.equal((await api.get(`/accounts/${byProducer.soldTo}`)).body.parentAccountId, distributor.id);
    const otherApi = api.as(await apiKey(api, 'partner', otherPartner.id));
    assertProblem(await otherApi.post(`/web-register-keys/${keys[3]}/redeem`, { accountName: 'x' }), 404, 'NOT_FOUND');
    assertProblem(await otherApi.get(`/web-register-keys/${keys[3]}`), 404, 'NOT_FOUND');
    const customerApi = api.as(await apiKey(api, 'customer', own.id));
    assertProblem(
      await customerApi.post(`/web-register-keys/${keys[3]}/redeem`, { accountName: 'x' }),
      403,
      'FORBIDDEN',
    );
    assertProblem(await api.post('/web-register-keys/NO-SUCH-KEY-1/redeem', { accountName: 'x' }), 404, 'NOT_FOUND');
  });

  it('enforces the registration policy', async () => {
    const { api } = server();
    const none = await bulkWithKeys(api, { keys: someKeys(1) });
    const noneApi = api.as(await apiKey(api, 'partner', none.partner.id));
    const refused = await noneApi.post(`/web-register-keys/${none.keys[0]}/redeem`, {
      accountName: 'x',
      registration: { email: 'a@b.example' },
    });
    assertProblem(refused, 422, 'REGISTRATION_NOT_ALLOWED');
    assert.equal((await api.get(`/web-register-keys/${none.keys[0]}`)).body.state, 'unredeemed');

    const required = await bulkWithKeys(api, {
      keys: someKeys(2),
      fields: { registration: { policy: 'required', fields: ['name', 'email'] } },
    });
    const requiredApi = api.as(await apiKey(api, 'partner', required.partner.id));
    const missing = await requiredApi.post(`/web-register-keys/${required.keys[0]}/redeem`, {
      accountName: 'x',
      registration: { name: 'Ann' },
    });
    assertProblem(missing, 422, 'REGISTRATION_REQUIRED');
    assert.deepEqual(problemOf(missing).fields, [{ field: '/registration/email', message: 'required' }]);
    assertProblem(
      await requiredApi.post(`/web-register-keys/${required.keys[0]}/redeem`, {
        accountName: 'x',
        registration: { name: 'Ann', email: 'a@b.example', phone: '1' },
      }),
      422,
      'REGISTRATION_NOT_ALLOWED',
    );
    assertProblem(
      await requiredApi.post(`/web-register-keys/${required.keys[0]}/redeem`, {
        accountName: 'x',
        registration: { shoeSize: '9' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    const ok = await requiredApi.post(`/web-register-keys/${required.keys[0]}/redeem`, {
      accountName: 'x',
      registration: { name: 'Ann', email: 'a@b.example' },
    });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.body.registrationData, { name: 'Ann', email: 'a@b.example' });
  });

  it('makes test entitlements from a test bulk entitlement, and nothing from draft, inactive or void stock', async () => {
    const { api } = server();
    const test = await bulkWithKeys(api, { state: 'test', keys: someKeys(1) });
    assert.equal(
      (await api.post(`/web-register-keys/${test.keys[0]}/redeem`, { accountName: 'QA' })).body.state,
      'test',
    );
    const draft = await bulkWithKeys(api, { state: 'draft', keys: someKeys(1) });
    assertProblem(
      await api.post(`/web-register-keys/${draft.keys[0]}/redeem`, { accountName: 'x' }),
      409,
      'INVALID_STATE',
    );
    const deployed = await bulkWithKeys(api, { keys: someKeys(2) });
    await created(api.post(`/web-register-keys/${deployed.keys[0]}/void`), 200);
    assertProblem(
      await api.post(`/web-register-keys/${deployed.keys[0]}/redeem`, { accountName: 'x' }),
      409,
      'INVALID_STATE',
    );
    await created(api.post(`/entitlements/${deployed.bulk.id}/state`, { state: 'inactive' }), 200);
    assertProblem(
      await api.post(`/web-register-keys/${deployed.keys[1]}/redeem`, { accountName: 'x' }),
      409,
      'INVALID_STATE',
    );
  });

  it('follows the entitlement ID pattern, falling back to a generated ID when it cannot', async () => {
    const { api } = server();
    const b = await bulkWithKeys(api, { keys: someKeys(2), fields: { entitlementIdPattern: 'W-{bulk}-{seq}' } });
    const first = (await api.post(`/web-register-keys/${b.keys[1]}/redeem`, { accountName: 'x' })).body;
    assert.equal(first.id, `W-${b.bulk.id}-1`);
    const pid = String(process.pid);
    const c = await bulkWithKeys(api, { keys: ['L'.repeat(62 - pid.length) + pid] });
    const fallback = (await api.post(`/web-register-keys/${c.keys[0]}/redeem`, { accountName: 'x' })).body;
    assert.match(fallback.id, /^ENT-/);
  });

  it('lets nobody redeem a key through the bulk entitlement ID, and keeps the bulk entitlement undeletable once a key is redeemed', async () => {
    const { api } = server();
    const b = await bulkWithKeys(api, { state: 'test', keys: someKeys(1) });
    assertProblem(await api.post(`/web-register-keys/${b.bulk.id}/redeem`, { accountName: 'x' }), 404, 'NOT_FOUND');
    const made = (await api.post(`/web-register-keys/${b.keys[0]}/redeem`, { accountName: 'x' })).body;
    assertProblem(await api.delete(`/entitlements/${b.bulk.id}`), 409, 'INVALID_STATE');
    assertProblem(await api.delete(`/entitlements/${made.id}`), 409, 'INVALID_STATE');
  });
});
