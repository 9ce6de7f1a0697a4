import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, apiKey, assertProblem, created, partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('lifecycle operations on deployed line items', (server) => {
  const device = () => server().api.as(null);
  const validate = async (token: string) => (await device().post('/licenses/validate', { token })).body.code;

  it('transfers a partner-owned line item to its end customer, moving active activations so no count is used twice', async () => {
    const { api } = server();
    const distributor = await partner(api);
    const endCustomer = await account(api, { parentAccountId: distributor.id, anonymous: true });
    const { code } = await activatable(api, {
      soldTo: distributor.id,
      quantity: 3,
      fields: { channelPartners: [{ accountId: distributor.id, tier: 'tier1' }] },
    });
    const a = (await device().post('/activations', { code, fingerprint: 'shop-pc' })).body;
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    assertProblem(
      await distributorApi.post(`/line-items/${code}/transfer`, {
        accountId: endCustomer.id,
        activations: 'require-returned',
      }),
      409,
      'INVALID_STATE',
    );
    const r = await distributorApi.post(`/line-items/${code}/transfer`, {
      accountId: endCustomer.id,
      activations: 'move',
    });
    assert.equal(r.status, 201, r.text);
    const { lineItem, newLineItem, entitlementId } = r.body;
    assert.equal(lineItem.state, 'obsolete');
    assert.equal(lineItem.activatedCount, 0);
    assert.equal(newLineItem.parentActivationId, code);
    assert.equal(newLineItem.quantity, 3);
    assert.equal(newLineItem.activatedCount, 1);
    assert.notEqual(newLineItem.activationId, code);
    const entitlement = (await api.get(`/entitlements/${entitlementId}`)).body;
    assert.equal(entitlement.soldTo, endCustomer.id);
    assert.equal(entitlement.state, 'deployed');
    assert.deepEqual(
      entitlement.channelPartners.map((p) => [p.tier, p.accountId]),
      [
        ['tier1', distributor.id],
        ['endCustomer', endCustomer.id],
      ],
    );

    assert.equal(await validate(a.license.token), 'VALID', 'the moved activation keeps working');
    const moved = (await api.get(`/activations/${a.activation.id}`)).body;
    assert.equal(moved.accountId, endCustomer.id, 'its device now belongs to the new owner');
    assertProblem(await device().post('/activations', { code, fingerprint: fingerprint() }), 409, 'INVALID_STATE');
    for (let i = 0; i < 2; i++)
      assert.equal(
        (await device().post('/activations', { code: newLineItem.activationId, fingerprint: fingerprint() })).status,
        201,
      );
    assertProblem(
      await device().post('/activations', { code: newLineItem.activationId, fingerprint: fingerprint() }),
      409,
      'COUNT_EXCEEDED',
    );

    const oldHistory = (await api.get(`/events?lineItem=${code}`)).body.items.map((e) => e.action);
    const newHistory = (await api.get(`/events?lineItem=${newLineItem.activationId}`)).body.items.map((e) => e.action);
    assert.ok(oldHistory.includes('line-item.transferred'));
    assert.ok(newHistory.includes('line-item.transferred'));
  });

  it("does not show a partner's own activation ID to the customer it split or transferred stock to", async () => {
    const { api } = server();
    const distributor = await partner(api);
    const customer = await account(api, { parentAccountId: distributor.id });
    const { code } = await activatable(api, { soldTo: distributor.id, quantity: 5 });
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    const split = await created(
      distributorApi.post(`/line-items/${code}/split`, { quantity: 2, accountId: customer.id }),
      201,
    );
    const theirs = split.newLineItem.activationId;
    assert.equal(split.newLineItem.parentActivationId, code, 'the partner sees where it came from');
    const customerApi = api.as(await apiKey(api, 'customer', customer.id));
    assert.equal((await customerApi.get(`/line-items/${theirs}`)).body.parentActivationId, null);
    const entitlement = (await customerApi.get(`/entitlements/${split.entitlementId}`)).body;
    assert.equal(entitlement.lineItems[0]!.parentActivationId, null);
    assert.ok(
      !JSON.stringify((await customerApi.get('/entitlements')).body).includes(code),
      'nowhere in their list either',
    );
    assert.equal(
      (await api.get(`/line-items/${theirs}`)).body.parentActivationId,
      code,
      'the producer sees the lineage',
    );
  });

  it('lets a partner transfer only to its own customers, and the producer to anyone', async () => {
    const { api } = server();
    const distributor = await partner(api);
    const stranger = await account(api);
    const { code } = await activatable(api, {
      soldTo: distributor.id,
      fields: { channelPartners: [{ accountId: distributor.id, tier: 'tier1' }] },
    });
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    assertProblem(
      await distributorApi.post(`/line-items/${code}/transfer`, { accountId: stranger.id, activations: 'move' }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assert.equal(
      (await api.post(`/line-items/${code}/transfer`, { accountId: stranger.id, activations: 'require-returned' }))
        .status,
      201,
    );
    const customerApi = api.as(await apiKey(api, 'customer', stranger.id));
    const other = await activatable(api, { soldTo: stranger.id });
    assertProblem(
      await customerApi.post(`/line-items/${other.code}/transfer`, { accountId: distributor.id, activations: 'move' }),
      403,
      'FORBIDDEN',
    );
  });

  it('splits free quantity off, into the same entitlement or for another account', async () => {
    const { api } = server();
    const { code, owner, entitlement } = await activatable(api, { quantity: 10 });
    for (let i = 0; i < 3; i++) await device().post('/activations', { code, fingerprint: fingerprint() });
    assertProblem(await api.post(`/line-items/${code}/split`, { quantity: 8 }), 422, 'UNPROCESSABLE');
    const same = await api.post(`/line-items/${code}/split`, { quantity: 4 });
    assert.equal(same.status, 201, same.text);
    assert.equal(same.body.lineItem.quantity, 6);
    assert.equal(same.body.newLineItem.quantity, 4);
    assert.equal(same.body.entitlementId, entitlement.id);
    assert.equal(same.body.newLineItem.parentActivationId, code);
    const elsewhere = await account(api);
    const moved = await api.post(`/line-items/${code}/split`, { quantity: 2, accountId: elsewhere.id });
    assert.equal((await api.get(`/entitlements/${moved.body.entitlementId}`)).body.soldTo, elsewhere.id);
    assert.equal((await api.get(`/line-items/${code}`)).body.quantity, 4);
    assertProblem(await api.post(`/line-items/${code}/split`, { quantity: 2 }), 422, 'UNPROCESSABLE');
    assert.equal(owner, (await api.get(`/entitlements/${entitlement.id}`)).body.soldTo);
  });

  it('leaves the web register key with the entitlement it was redeemed into when its line item moves on', async () => {
    const { api } = server();
    const {
      bulk,
      keys,
      partner: distributor,
    } = await bulkWithKeys(api, { keys: someKeys(1), fields: { quantityPerKey: 3 } });
    const redeemed = await created(api.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Workshop' }));
    assert.equal(redeemed.webRegisterKey, keys[0]);
    const other = await account(api, { parentAccountId: distributor.id });
    const split = await api.post(`/line-items/${redeemed.lineItems[0]!.activationId}/split`, {
      quantity: 1,
      accountId: other.id,
    });
    assert.equal(split.status, 201, split.text);
    const transferred = await api.post(`/line-items/${redeemed.lineItems[0]!.activationId}/transfer`, {
      accountId: other.id,
      activations: 'move',
    });
    assert.equal(transferred.status, 201, transferred.text);
    for (const moved of [split.body.entitlementId, transferred.body.entitlementId]) {
      const e = (await api.get(`/entitlements/${moved}`)).body;
      assert.equal(e.webRegisterKey, undefined, 'only the redeemed entitlement records the key');
      assert.equal(e.bulkEntitlementId, undefined);
      assert.equal(e.soldTo, other.id);
    }
    assert.equal((await api.get(`/web-register-keys/${keys[0]}`)).body.redeemedEntitlementId, redeemed.id);
    assert.equal((await api.get(`/entitlements/${redeemed.id}`)).body.bulkEntitlementId, bulk.id);
  });

  it('renews: later licences carry the new expiry, a repeat activation gets it', async () => {
    const { api } = server();
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
    const { code } = await activatable(api, { lineItem: { expirationDate: soon } });
    const fp = fingerprint();
    const first = (await device().post('/activations', { code, fingerprint: fp })).body;
    assertProblem(await api.post(`/line-items/${code}/renew`, { expirationDate: soon }), 400, 'VALIDATION_FAILED');
    assertProblem(
      await api.post(`/line-items/${code}/renew`, { expirationDate: '9999-12-31' }),
      400,
      'VALIDATION_FAILED',
    );
    const renewed = await api.post(`/line-items/${code}/renew`, { expirationDate: later });
    assert.equal(renewed.status, 200, renewed.text);
    assert.equal(renewed.body.expirationDate, later);
    const repeat = await device().post('/activations', { code, fingerprint: fp });
    assert.equal(repeat.status, 200);
    assert.equal(repeat.body.activation.id, first.activation.id);
    assert.ok(Date.parse(repeat.body.activation.expiresAt!) > Date.parse(first.activation.expiresAt!));
    assert.notEqual(repeat.body.license.token, first.license.token);
    const fresh = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    assert.equal(fresh.activation.expiresAt, new Date(Date.parse(`${later}T00:00:00Z`) + 86_400_000).toISOString());
    const permanent = await activatable(api);
    assertProblem(
      await api.post(`/line-items/${permanent.code}/renew`, { expirationDate: later }),
      422,
      'UNPROCESSABLE',
    );
  });

  it('upsells more quantity and upgrades to a newer version, old activations keeping their product', async () => {
    const { api } = server();
    const { code, product, model } = await activatable(api, { quantity: 1 });
    const before = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    assertProblem(await device().post('/activations', { code, fingerprint: fingerprint() }), 409, 'COUNT_EXCEEDED');
    assert.equal((await api.post(`/line-items/${code}/upsell`, { quantity: 2 })).body.quantity, 3);
    // 1,000,000,000 is the most a line item holds; beyond, a clear 422 rather than an integer overflow.
    assert.equal(
      (await api.post(`/line-items/${code}/upsell`, { quantity: 999_999_997 })).body.quantity,
      1_000_000_000,
    );
    assertProblem(await api.post(`/line-items/${code}/upsell`, { quantity: 1 }), 422, 'UNPROCESSABLE');
    assert.equal((await api.get(`/line-items/${code}`)).body.quantity, 1_000_000_000);
    const newer = await created(
      api.post('/products', { name: product.name, version: '6.0', licenseModelId: model.id }),
    );
    const older = await created(
      api.post('/products', { name: product.name, version: '4.0', licenseModelId: model.id }),
    );
    const unrelated = await created(
      api.post('/products', { name: `${product.name} other`, version: '9.0', licenseModelId: model.id }),
    );
    assertProblem(await api.post(`/line-items/${code}/upgrade`, { productId: older.id }), 422, 'UPGRADE_NOT_ALLOWED');
    assertProblem(
      await api.post(`/line-items/${code}/upgrade`, { productId: unrelated.id }),
      422,
      'UPGRADE_NOT_ALLOWED',
    );
    assertProblem(
      await api.post(`/line-items/${code}/upgrade`, { productId: 'prd_missing' }),
      422,
      'UNKNOWN_REFERENCE',
    );
    const upgraded = await api.post(`/line-items/${code}/upgrade`, { productId: newer.id });
    assert.equal(upgraded.body.productId, newer.id);
    const after = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    const version = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).lic.product.version;
    assert.equal(version(after.license.token), '6.0');
    assert.equal(version(before.license.token), '5.0');
    assert.equal(await validate(before.license.token), 'VALID');
    assert.equal((await api.get(`/activations/${before.activation.id}`)).body.productId, product.id);
  });

  it('refuses every operation outside deployed, and by roles that may not', async () => {
    const { api } = server();
    const draft = await activatable(api, { state: 'draft' });
    const body = {
      transfer: { accountId: draft.owner, activations: 'move' },
      split: { quantity: 1 },
      renew: { expirationDate: '2099-01-01' },
      upsell: { quantity: 1 },
      upgrade: { productId: draft.product.id },
    };
    for (const [op, b] of Object.entries(body))
      assertProblem(await api.post(`/line-items/${draft.code}/${op}`, b), 409, 'INVALID_STATE');
    const deployed = await activatable(api, { lineItem: { expirationDate: '2098-01-01' } });
    await created(api.post(`/entitlements/${deployed.entitlement.id}/state`, { state: 'inactive' }), 200);
    assertProblem(await api.post(`/line-items/${deployed.code}/upsell`, { quantity: 1 }), 409, 'INVALID_STATE');
    const live = await activatable(api, { lineItem: { expirationDate: '2098-01-01' } });
    const customer = api.as(await apiKey(api, 'customer', live.owner));
    for (const op of ['renew', 'upsell', 'upgrade'])
      assertProblem(
        await customer.post(`/line-items/${live.code}/${op}`, body[op as keyof typeof body]),
        403,
        'FORBIDDEN',
      );
    assertProblem(await api.post(`/line-items/${live.code}/upsell`, { quantity: 0 }), 400, 'VALIDATION_FAILED');
    assertProblem(
      await api.post(`/line-items/${live.code}/transfer`, { accountId: live.owner }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(await api.post(`/line-items/NOPE-NOPE/upsell`, { quantity: 1 }), 404, 'NOT_FOUND');
    assert.equal((await api.get(`/line-items/${live.code}`)).body.quantity, 5, 'nothing changed');
  });

  it('keeps the count right when activations race a transfer', async () => {
    const { api } = server();
    const target = await account(api);
    const { code } = await activatable(api, { quantity: 20 });
    const racing = Array.from({ length: 20 }, () =>
      device().post('/activations', { code, fingerprint: fingerprint() }),
    );
    const transfer = api.post(`/line-items/${code}/transfer`, { accountId: target.id, activations: 'move' });
    const [t, ...results] = await Promise.all([transfer, ...racing]);
    assert.equal(t.status, 201, t.text);
    const ok = results.filter((r) => r.status === 201).length;
    const newCode = t.body.newLineItem.activationId;
    const active = (await api.get(`/activations?state=active&limit=1000&entitlement=${t.body.entitlementId}`)).body
      .items.length;
    const stillOld = (await api.get(`/activations?state=active&limit=1000&activationId=${code}`)).body.items.length;
    assert.equal(stillOld, 0, 'nothing is left active on the closed line item');
    assert.equal(active, ok, 'every successful activation moved or was made on the new line item');
    assert.equal((await api.get(`/line-items/${newCode}`)).body.activatedCount, active);
  });
});
