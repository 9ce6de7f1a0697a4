import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { account, apiKey, assertProblem, created } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import { fetchJwks } from '../support/licences.ts';

describeEachBackend('validation, return, rehost and revocation', (server) => {
  const device = () => server().api.as(null);
  const validate = async (body: Record<string, unknown>) => {
    const r = await device().post('/licenses/validate', body);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };

  it('validates a licence by token and by code plus fingerprint, and sees every state change at once', async () => {
    const { api } = server();
    const { code, entitlement } = await activatable(api);
    const fp = fingerprint();
    const { activation, license } = (await device().post('/activations', { code, fingerprint: fp })).body;
    assert.deepEqual(await validate({ token: license.token }), {
      valid: true,
      code: 'VALID',
      id: activation.id,
      expiresAt: null,
      test: false,
    });
    assert.equal(
      (await validate({ token: license.file, fingerprint: fp })).code,
      'VALID',
      'the licence file works as well',
    );
    assert.equal((await validate({ code, fingerprint: fp })).code, 'VALID');
    assert.equal(
      (await validate({ token: license.token, fingerprint: 'another-machine' })).code,
      'FINGERPRINT_MISMATCH',
    );
    assert.equal((await validate({ code, fingerprint: 'another-machine' })).code, 'FINGERPRINT_MISMATCH');

    await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'inactive' }), 200);
    assert.equal((await validate({ token: license.token })).code, 'SUSPENDED');
    assert.equal((await validate({ code, fingerprint: fp })).code, 'SUSPENDED');
    await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
    assert.equal((await validate({ token: license.token })).code, 'VALID');
    await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'obsolete' }), 200);
    assert.equal((await validate({ token: license.token })).code, 'REVOKED');
  });

  it('answers BAD_SIGNATURE for tampered or foreign tokens and NOT_FOUND for unknown codes', async () => {
    const { api } = server();
    const { code } = await activatable(api);
    const { license } = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    const [h, p, s] = license.token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.lic.count = 1000;
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    for (const token of [
      forged,
      `${h}.${p}.${'A'.repeat(86)}`,
      'not.a.token',
      'garbage',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`,
    ]) {
      assert.equal((await validate({ token })).code, 'BAD_SIGNATURE', token.slice(0, 30));
    }
    assert.equal((await validate({ code: 'NOPE-NOPE-NOPE-NOPE', fingerprint: 'x' })).code, 'NOT_FOUND');
    assertProblem(await device().post('/licenses/validate', {}), 400, 'VALIDATION_FAILED');
    assertProblem(await device().post('/licenses/validate', { code }), 400, 'VALIDATION_FAILED');
  });

  it('returns an activation by its device, freeing the count; the licence then validates as RETURNED', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const first = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    assertProblem(await device().post('/activations', { code, fingerprint: fingerprint() }), 409, 'COUNT_EXCEEDED');
    assertProblem(await device().post(`/activations/${first.activation.id}/return`), 401, 'UNAUTHENTICATED');
    const other = (await activatable(api)).code;
    const otherLicense = (await device().post('/activations', { code: other, fingerprint: fingerprint() })).body.license
      .token;
    assertProblem(
      await device().post(`/activations/${first.activation.id}/return`, { token: otherLicense }),
      404,
      'NOT_FOUND',
    );
    const returned = await device().post(`/activations/${first.activation.id}/return`, { token: first.license.token });
    assert.equal(returned.status, 200, returned.text);
    assert.equal(returned.body.state, 'returned');
    assert.ok(returned.body.endedAt);
    assert.equal((await validate({ token: first.license.token })).code, 'RETURNED');
    assertProblem(
      await device().post(`/activations/${first.activation.id}/return`, { token: first.license.token }),
      409,
      'INVALID_STATE',
    );
    assert.equal(
      (await device().post('/activations', { code, fingerprint: fingerprint() })).status,
      201,
      'the count is free again',
    );
  });

  it('lets the owner, its partner and the producer return with their keys, and nobody else', async () => {
    const { api } = server();
    const partner = (await api.post('/accounts', { name: 'P', type: 'partner' })).body;
    const customer = await account(api, { parentAccountId: partner.id });
    const stranger = await account(api);
    const { code } = await activatable(api, {
      soldTo: customer.id,
      quantity: 5,
      fields: { channelPartners: [{ accountId: partner.id, tier: 'tier1' }] },
    });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await device().post('/activations', { code, fingerprint: fingerprint() })).body.activation.id);
    assertProblem(
      await api.as(await apiKey(api, 'customer', stranger.id)).post(`/activations/${ids[0]}/return`),
      404,
      'NOT_FOUND',
    );
    for (const [i, key] of [
      await apiKey(api, 'customer', customer.id),
      await apiKey(api, 'partner', partner.id),
      await apiKey(api, 'operator'),
    ].entries()) {
      const r = await api.as(key).post(`/activations/${ids[i]}/return`);
      assert.equal(r.status, 200, r.text);
    }
    const list = (await api.as(await apiKey(api, 'customer', customer.id)).get('/activations?state=returned')).body
      .items;
    assert.equal(list.length, 3);
  });

  it('limits returns and rehosts to maxRehosts, but not the producer; rehost moves the activation', async () => {
    const { api } = server();
    const { code } = await activatable(api, { model: { maxRehosts: 1 } });
    const a = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    const newFp = fingerprint();
    const moved = await device().post(`/activations/${a.activation.id}/rehost`, {
      fingerprint: newFp,
      deviceName: 'new laptop',
      token: a.license.token,
    });
    assert.equal(moved.status, 201, moved.text);
    assert.equal(moved.body.activation.fingerprint, newFp);
    assert.notEqual(moved.body.activation.id, a.activation.id);
    assert.equal((await validate({ token: a.license.token })).code, 'RETURNED');
    assert.equal((await validate({ token: moved.body.license.token })).code, 'VALID');
    const again = await device().post(`/activations/${moved.body.activation.id}/return`, {
      token: moved.body.license.token,
    });
    assertProblem(again, 409, 'REHOST_LIMIT_REACHED');
    assert.equal((await validate({ token: moved.body.license.token })).code, 'VALID', 'nothing changed');
    assert.equal((await api.post(`/activations/${moved.body.activation.id}/return`)).status, 200, 'the producer may');
  });

  it('revokes for the producer only; the licence then validates as REVOKED and the count comes back', async () => {
    const { api } = server();
    const { code, owner } = await activatable(api, { quantity: 1 });
    const a = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    assertProblem(
      await api.as(await apiKey(api, 'customer', owner)).post(`/activations/${a.activation.id}/revoke`),
      403,
      'FORBIDDEN',
    );
    const r = await api.post(`/activations/${a.activation.id}/revoke`);
    assert.equal(r.body.state, 'revoked');
    assert.equal((await validate({ token: a.license.token })).code, 'REVOKED');
    assert.equal((await device().post('/activations', { code, fingerprint: fingerprint() })).status, 201);
    const events = (await api.get(`/events?subjectId=${a.activation.id}`)).body.items.map((e) => e.action);
    assert.deepEqual(events, ['activation.revoked', 'activation.created']);
  });

  it('answers EXPIRED after the expiry and keeps licences issued before a key rotation valid', async () => {
    const { api, running } = server();
    const { code } = await activatable(api);
    const a = (await device().post('/activations', { code, fingerprint: fingerprint() })).body;
    const { rotateSigningKey } = await import('../../src/services/signing-keys/ensure-signing-key.ts');
    const before = running.ctx.keyRing.signingKey().kid;
    await rotateSigningKey(running.ctx);
    await running.ctx.keyRing.load();
    assert.notEqual(running.ctx.keyRing.signingKey().kid, before);
    const { code: code2 } = await activatable(api);
    const b = (await device().post('/activations', { code: code2, fingerprint: fingerprint() })).body;
    const kid = (t: string) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()).kid;
    assert.notEqual(kid(b.license.token), kid(a.license.token), 'new licences use the new key');
    assert.equal((await validate({ token: a.license.token })).code, 'VALID');
    const jwks = await fetchJwks(server().url);
    assert.ok(
      jwks.keys.some((k) => k.kid === kid(a.license.token)),
      'the old key stays published',
    );
    assert.ok(!JSON.stringify(jwks).includes('"d"'), 'no private member is published');
  });
});
