import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { apiKey, assertProblem, created, problemOf } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import { fetchJwks } from '../support/licences.ts';

describeEachBackend('activation', (server) => {
  const device = () => server().api.as(null);

  it('activates without an API key and answers a licence any JOSE library verifies', async () => {
    const { api, url } = server();
    const { code, entitlement, product, feature, owner } = await activatable(api, { quantity: 2 });
    const fp = fingerprint();
    const r = await device().post('/activations', {
      code: code.toLowerCase().replaceAll('-', ''),
      fingerprint: fp,
      deviceName: 'CAD workstation',
    });
    assert.equal(r.status, 201, r.text);
    const { activation, license } = r.body;
    assert.match(activation.id, /^act_/);
    assert.deepEqual(
      {
        activationId: activation.activationId,
        entitlementId: activation.entitlementId,
        fingerprint: activation.fingerprint,
        count: activation.count,
        state: activation.state,
        test: activation.test,
        accountId: activation.accountId,
        deviceName: activation.deviceName,
      },
      {
        activationId: code,
        entitlementId: entitlement.id,
        fingerprint: fp,
        count: 1,
        state: 'active',
        test: false,
        accountId: owner,
        deviceName: 'CAD workstation',
      },
    );
    assert.equal(activation.expiresAt, null, 'permanent');
    assert.match(license.file, /-----BEGIN LICENTIA LICENSE-----\n[\s\S]+\n-----END LICENTIA LICENSE-----/);
    const jwks = await fetchJwks(url);
    const { payload, protectedHeader } = await jwtVerify(license.token, createLocalJWKSet(jwks), {
      algorithms: ['EdDSA'],
      issuer: 'licentia',
    });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.ok(jwks.keys.some((k) => k.kid === protectedHeader.kid));
    assert.equal(payload.sub, fp);
    assert.equal(payload.jti, activation.id);
    assert.equal(payload.exp, undefined);
    assert.deepEqual(payload.lic, {
      activationId: code,
      entitlementId: entitlement.id,
      product: { name: product.name, version: '5.0' },
      features: [{ name: feature.name, version: '2.0', count: 3 }],
      model: 'node-locked',
      count: 1,
      test: false,
    });
    const li = (await api.get(`/line-items/${code}`)).body;
    assert.equal(li.activatedCount, 1);
    const devices = (await api.get(`/devices?account=${owner}`)).body.items;
    assert.deepEqual(
      devices.map((d) => [d.fingerprint, d.name, d.activeActivations]),
      [[fp, 'CAD workstation', 1]],
    );
  });

  it('answers a repeat from the same device with its existing licence and takes no count', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const fp = fingerprint();
    const first = await device().post('/activations', { code, fingerprint: fp });
    const again = await device().post('/activations', { code, fingerprint: fp });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.license.token, first.body.license.token);
    assert.equal(again.body.activation.id, first.body.activation.id);
    assert.equal((await api.get(`/line-items/${code}`)).body.activatedCount, 1);
  });

  it('never exceeds quantity + overdraft', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 2, model: { overdraft: 1 } });
    for (let i = 0; i < 3; i++)
      assert.equal((await device().post('/activations', { code, fingerprint: fingerprint() })).status, 201);
    assertProblem(await device().post('/activations', { code, fingerprint: fingerprint() }), 409, 'COUNT_EXCEEDED');
    assertProblem(
      await device().post('/activations', { code, fingerprint: fingerprint(), count: 1 }),
      409,
      'COUNT_EXCEEDED',
    );
    const { code: big } = await activatable(api, { quantity: 5 });
    assert.equal(
      (await device().post('/activations', { code: big, fingerprint: fingerprint(), count: 4 })).body.activation.count,
      4,
    );
    assertProblem(
      await device().post('/activations', { code: big, fingerprint: fingerprint(), count: 2 }),
      409,
      'COUNT_EXCEEDED',
    );
  });

  it('sets the licence expiry to the earlier of the expiration date and durationDays', async () => {
    const { api } = server();
    const farDate = '2099-12-31';
    const timed = await activatable(api, { model: { durationDays: 30 }, lineItem: { expirationDate: farDate } });
    const a = (await device().post('/activations', { code: timed.code, fingerprint: fingerprint() })).body.activation;
    const days = (Date.parse(a.expiresAt!) - Date.parse(a.issuedAt)) / 86_400_000;
    assert.ok(Math.abs(days - 30) < 0.001, `${days} days`);
    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const dated = await activatable(api, { model: { durationDays: 365 }, lineItem: { expirationDate: soon } });
    const b = (await device().post('/activations', { code: dated.code, fingerprint: fingerprint() })).body;
    assert.equal(b.activation.expiresAt, new Date(Date.parse(`${soon}T00:00:00Z`) + 86_400_000).toISOString());
    assert.match(b.license.file, /expires/i);
    const last = await activatable(api, { lineItem: { expirationDate: '9999-12-30' } });
    const c = await device().post('/activations', { code: last.code, fingerprint: fingerprint() });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.activation.expiresAt, '9999-12-31T00:00:00.000Z');
  });

  it('refuses draft, inactive, obsolete, not yet started and expired line items', async () => {
    const { api } = server();
    const draft = await activatable(api, { state: 'draft' });
    assertProblem(
      await device().post('/activations', { code: draft.code, fingerprint: fingerprint() }),
      409,
      'INVALID_STATE',
    );
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const later = await activatable(api, { lineItem: { startDate: tomorrow } });
    const r = await device().post('/activations', { code: later.code, fingerprint: fingerprint() });
    assert.equal(assertProblem(r, 409, 'INVALID_STATE').reason, 'not-started');
    const expired = await activatable(api, { lineItem: { startDate: '2020-01-01', expirationDate: '2020-12-31' } });
    assert.equal(
      problemOf(await device().post('/activations', { code: expired.code, fingerprint: fingerprint() })).reason,
      'expired',
    );
    const suspended = await activatable(api);
    await created(api.post(`/entitlements/${suspended.entitlement.id}/state`, { state: 'inactive' }), 200);
    assertProblem(
      await device().post('/activations', { code: suspended.code, fingerprint: fingerprint() }),
      409,
      'INVALID_STATE',
    );
  });

  it('marks activations of test entitlements as test, in the licence too', async () => {
    const { api } = server();
    const { code } = await activatable(api, { state: 'test' });
    const r = await device().post('/activations', { code, fingerprint: fingerprint() });
    assert.equal(r.status, 201);
    assert.equal(r.body.activation.test, true);
    const payload = JSON.parse(Buffer.from(r.body.license.token.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.lic.test, true);
    assert.match(r.body.license.file, /test/i);
  });

  it('answers every wrong code alike: unknown, a bulk entitlement ID, a void key', async () => {
    const { api } = server();
    const { bulk, keys } = await bulkWithKeys(api, { keys: someKeys(1) });
    await created(api.post(`/web-register-keys/${keys[0]}/void`), 200);
    const answers = [];
    for (const code of ['NOPE-NOPE-NOPE-NOPE', bulk.id, keys[0]]) {
      const r = await device().post('/activations', { code, fingerprint: fingerprint() });
      answers.push(assertProblem(r, 404, 'NOT_FOUND').detail);
    }
    assert.equal(new Set(answers).size, 1);
  });

  it('activates with an unredeemed web register key: redeemed for a new anonymous customer and activated at once', async () => {
    const { api } = server();
    const { bulk, partner, keys, productId } = await bulkWithKeys(api, {
      keys: someKeys(2),
      fields: { quantityPerKey: 2 },
    });
    const r = await device().post('/activations', { code: keys[0]!.toLowerCase(), fingerprint: fingerprint() });
    assert.equal(r.status, 201, r.text);
    const key = (await api.get(`/web-register-keys/${keys[0]}`)).body;
    assert.equal(key.state, 'redeemed');
    assert.equal(r.body.activation.entitlementId, key.redeemedEntitlementId);
    assert.equal(r.body.activation.productId, productId);
    const owner = (await api.get(`/accounts/${r.body.activation.accountId}`)).body;
    assert.deepEqual([owner.anonymous, owner.parentAccountId], [true, partner.id]);
    const second = await device().post('/activations', { code: keys[0], fingerprint: fingerprint() });
    assert.equal(second.status, 201, 'the key keeps working as the code of the entitlement it became');
    assert.equal(second.body.activation.entitlementId, key.redeemedEntitlementId);
    assertProblem(
      await device().post('/activations', { code: keys[0], fingerprint: fingerprint() }),
      409,
      'COUNT_EXCEEDED',
    );
    assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 2,
      unredeemed: 1,
      redeemed: 1,
      void: 0,
    });
    const partnerApi = api.as(await apiKey(api, 'partner', partner.id));
    const named = (
      await partnerApi.post(`/web-register-keys/${keys[1]}/redeem`, { accountName: 'Named by the partner' })
    ).body;
    const third = await device().post('/activations', { code: keys[1], fingerprint: fingerprint() });
    assert.equal(third.body.activation.accountId, named.soldTo, 'the device belongs to the account the partner named');
  });

  it('refuses floating line items (they are leased) and validates the request', async () => {
    const { api } = server();
    const { code } = await activatable(api, { model: { kind: 'floating' } });
    assertProblem(await device().post('/activations', { code, fingerprint: fingerprint() }), 422, 'UNPROCESSABLE');
    for (const body of [
      { code },
      { fingerprint: 'x' },
      { code, fingerprint: '' },
      { code, fingerprint: ' padded ' },
      { code, fingerprint: 'x', count: 0 },
      { code, fingerprint: 'x', extra: 1 },
      { code, fingerprint: 'a\u0007b' },
    ]) {
      assertProblem(await device().post('/activations', body), 400, 'VALIDATION_FAILED');
    }
  });
});
