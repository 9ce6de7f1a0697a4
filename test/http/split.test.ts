import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, apiKey, assertProblem, created, partner, member } from '../support/fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('splitting stock to a tier-2 partner', (server) => {
  it('moves N unredeemed keys into a new bulk entitlement whose tier-2 partner may redeem them', async () => {
    const { api } = server();
    const { bulk, partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(5) });
    await created(api.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'early bird' }));
    const reseller = await partner(api, { parentAccountId: distributor.id });
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    const r = await distributorApi.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 3 });
    assert.equal(r.status, 201, r.text);
    const child = r.body;
    assert.equal(child.kind, 'bulk');
    assert.equal(child.parentEntitlementId, bulk.id);
    assert.equal(child.productId, bulk.productId);
    assert.equal(child.state, 'deployed');
    assert.deepEqual(
      child.channelPartners.map((p) => [p.tier, p.accountId]),
      [
        ['tier1', distributor.id],
        ['tier2', reseller.id],
        ['endCustomer', distributor.id],
      ],
    );
    assert.deepEqual(child.webRegisterKeys, { total: 3, unredeemed: 3, redeemed: 0, void: 0 });
    assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 2,
      unredeemed: 1,
      redeemed: 1,
      void: 0,
    });
    const moved = (await api.get(`/entitlements/${child.id}/web-register-keys`)).body.items.map((k) => k.key);
    assert.deepEqual(moved, keys.slice(1, 4), 'the oldest unredeemed keys move');

    const resellerApi = api.as(await apiKey(api, 'partner', reseller.id));
    const redeemed = await resellerApi.post(`/web-register-keys/${moved[0]}/redeem`, {
      accountName: 'Reseller customer',
    });
    assert.equal(redeemed.status, 201, redeemed.text);
    assert.equal(redeemed.body.bulkEntitlementId, child.id);
    assert.equal((await api.get(`/accounts/${redeemed.body.soldTo}`)).body.parentAccountId, reseller.id);
    assertProblem(
      await resellerApi.post(`/web-register-keys/${keys[4]}/redeem`, { accountName: 'x' }),
      404,
      'NOT_FOUND',
    );
    assertProblem(await resellerApi.get(`/entitlements/${bulk.id}`), 404, 'NOT_FOUND');
    const history = (await api.get(`/events?entitlement=${bulk.id}&action=web-register-keys.split`)).body.items;
    assert.equal(member(history[0]!.after, 'moved'), 3);
  });

  it('moves a chosen list of keys, all or none', async () => {
    const { api } = server();
    const { bulk, keys } = await bulkWithKeys(api, { keys: someKeys(4) });
    const reseller = await partner(api);
    await created(api.post(`/web-register-keys/${keys[3]}/void`), 200);
    const refused = await api.post(`/entitlements/${bulk.id}/split`, {
      partnerAccountId: reseller.id,
      keys: [keys[0], keys[3]],
    });
    const { rejected } = assertProblem(refused, 422, 'UNPROCESSABLE');
    assert.ok(Array.isArray(rejected), refused.text);
    assert.deepEqual(
      rejected.map((x) => member(x, 'key')),
      [keys[3]],
    );
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.unredeemed, 3);
    const ok = await api.post(`/entitlements/${bulk.id}/split`, {
      partnerAccountId: reseller.id,
      keys: [keys[2]!.toLowerCase(), keys[0]],
      id: `SPLIT-${Date.now()}`,
    });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.webRegisterKeys!.total, 2);
    assert.equal((await api.get(`/web-register-keys/${keys[2]}`)).body.entitlementId, ok.body.id);
  });

  it('refuses impossible splits', async () => {
    const { api } = server();
    const { bulk, partner: distributor } = await bulkWithKeys(api, { keys: someKeys(2) });
    const reseller = await partner(api);
    const customer = await account(api);
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 3 }),
      422,
      'UNPROCESSABLE',
    );
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: customer.id, count: 1 }),
      422,
      'UNPROCESSABLE',
    );
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: distributor.id, count: 1 }),
      422,
      'UNPROCESSABLE',
    );
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: 'acc_missing', count: 1 }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 1, keys: ['ABCD'] }),
      400,
      'VALIDATION_FAILED',
    );
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    assertProblem(
      await distributorApi.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 1 }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.unredeemed, 2, 'nothing moved');
  });
});
