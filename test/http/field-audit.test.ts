import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import {
  account,
  apiKey,
  assertProblem,
  created,
  licenseModel,
  partner,
  product,
  problemOf,
} from '../support/fixtures.ts';
import type { ApiResponse } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The defects a field audit of 2026-12-07 found (issue 16, item 7), one test each. */
describeEachBackend('field audit defects', (server) => {
  const device = () => server().api.as(null);

  it('says what an over-count activation asked for and what is free', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 8, model: { overdraft: 1 } });
    const r = await device().post('/activations', { code, fingerprint: 'big', count: 100 });
    assertProblem(r, 409, 'COUNT_EXCEEDED');
    assert.match(problemOf(r).detail, /asks for 100\b/);
    assert.match(problemOf(r).detail, /only 9 of this code's 9 are free/);
    await created(device().post('/activations', { code, fingerprint: fingerprint(), count: 7 }));
    const rest = await device().post('/activations', { code, fingerprint: fingerprint(), count: 3 });
    assertProblem(rest, 409, 'COUNT_EXCEEDED');
    assert.match(problemOf(rest).detail, /asks for 3 counts, but only 2 of this code's 9 are free/);
  });

  it('refuses a forged cursor with 400 on every list', async () => {
    const { api } = server();
    const forged = Buffer.from('{"x":1}').toString('base64url');
    assert.equal(forged, 'eyJ4IjoxfQ');
    for (const list of [
      '/entitlements',
      '/accounts',
      '/activations',
      '/devices',
      '/events',
      '/products',
      '/messages',
      '/webhook-endpoints',
    ]) {
      const r: ApiResponse = await api.get(`${list}?cursor=${forged}`);
      assertProblem(r, 400, 'VALIDATION_FAILED');
      assert.equal(problemOf(r).fields?.[0]?.field, '/cursor', list);
    }
    // A cursor of one list is no cursor of another.
    await account(api);
    await account(api);
    const accounts = (await api.get('/accounts?limit=1')).body;
    assert.ok(accounts.nextCursor);
    assert.equal((await api.get(`/accounts?limit=1&cursor=${accounts.nextCursor}`)).status, 200);
    assertProblem(await api.get(`/entitlements?cursor=${accounts.nextCursor}`), 400, 'VALIDATION_FAILED');
  });

  it('asks a redemption without an owner to name one, and one with two owners to name one', async () => {
    const { api } = server();
    const { keys } = await bulkWithKeys(api, { keys: someKeys(1) });
    const none = await api.post(`/web-register-keys/${keys[0]}/redeem`, {});
    assertProblem(none, 400, 'VALIDATION_FAILED');
    assert.doesNotMatch(problemOf(none).detail, /not both/);
    assert.match(problemOf(none).detail, /accountId .*or accountName/);
    const customer = await account(api);
    const both = await api.post(`/web-register-keys/${keys[0]}/redeem`, { accountId: customer.id, accountName: 'x' });
    assertProblem(both, 400, 'VALIDATION_FAILED');
    assert.match(problemOf(both).detail, /not both/);
  });

  it('says that a "__proto__" key is refused, not that valid JSON is invalid', async () => {
    const { api } = server();
    const before = (await api.get('/accounts?limit=1000')).body.items.length;
    const json = (raw: string) => ({ raw, contentType: 'application/json' });
    const r = await api.post(
      '/accounts',
      undefined,
      json('{"name":"Proto","type":"customer","__proto__":{"anonymous":true}}'),
    );
    assertProblem(r, 400, 'MALFORMED_REQUEST');
    assert.doesNotMatch(problemOf(r).detail, /not valid JSON/);
    assert.match(problemOf(r).detail, /__proto__/);
    assert.deepEqual(problemOf(r).fields, [{ field: '/__proto__', message: 'this key is refused' }]);
    const nested = await api.post(
      '/accounts',
      undefined,
      json('{"name":"Proto","type":"customer","x":{"constructor":{"prototype":{}}}}'),
    );
    assertProblem(nested, 400, 'MALFORMED_REQUEST');
    assert.equal(problemOf(nested).fields?.[0]?.field, '/x/constructor/prototype');
    assertProblem(await api.post('/accounts', undefined, json('{"name":')), 400, 'MALFORMED_REQUEST');
    assert.equal((await api.get('/accounts?limit=1000')).body.items.length, before);
  });

  it('refuses to load a key whose redemption would get an entitlement ID that is taken, naming the clash', async () => {
    const { api } = server();
    const key = someKeys(1, 'COLLIDE')[0] ?? '';
    const owner = await account(api);
    const { product: p } = await activatable(api, { quantity: 1, state: 'draft' });
    await created(
      api.post('/entitlements', {
        id: `${key}ENT`,
        kind: 'simple',
        soldTo: owner.id,
        lineItems: [{ productId: p.id, quantity: 1 }],
      }),
    );
    const { bulk } = await bulkWithKeys(api, { state: 'draft' });
    const r = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { keys: [key, `${key}B`] });
    assertProblem(r, 422, 'KEYS_REJECTED');
    assert.deepEqual(r.body.rejected, [{ key, reason: 'entitlement-id-taken', entitlementId: `${key}ENT` }]);
    assert.match(problemOf(r).detail, new RegExp(`${key}ENT`));
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys!.total, 0);
    const partial = await created(api.post(`/entitlements/${bulk.id}/web-register-keys?partial=true`, { keys: [key] }));
    assert.equal(partial.added, 0);
    // Another pattern makes other IDs: the same key loads there, and is redeemed under its pattern.
    const other = await bulkWithKeys(api, { keys: [key], fields: { entitlementIdPattern: 'X-{key}' } });
    const redeemed = await created(api.post(`/web-register-keys/${key}/redeem`, { accountName: 'end customer' }));
    assert.equal(redeemed.id, `X-${key}`);
    assert.equal(redeemed.bulkEntitlementId, other.bulk.id);
  });

  it('copies to a tier-2 partner only what the new owner may see', async () => {
    const { api } = server();
    const distributor = await partner(api);
    const contact = await created(
      api.post(`/accounts/${distributor.id}/contacts`, { name: 'Dana', email: 'dana@d.example' }),
    );
    const { bulk } = await bulkWithKeys(api, {
      keys: someKeys(3),
      partnerId: distributor.id,
      fields: {
        description: 'Internal: margin 40 %',
        shipToEmail: 'orders@distributor.example',
        shipToAddress: '1 Warehouse Road',
        channelPartners: [{ accountId: distributor.id, tier: 'tier1', contactId: contact.id }],
      },
    });
    assert.equal(bulk.shipToEmail, 'orders@distributor.example');
    const reseller = await partner(api, { parentAccountId: distributor.id });
    const child = await created(
      api.as(await apiKey(api, 'partner', distributor.id)).post(`/entitlements/${bulk.id}/split`, {
        partnerAccountId: reseller.id,
        count: 2,
      }),
    );
    const seen = (await api.as(await apiKey(api, 'partner', reseller.id)).get(`/entitlements/${child.id}`)).body;
    assert.equal(seen.shipToEmail, null);
    assert.equal(seen.shipToAddress, null);
    assert.equal(seen.description, null);
    assert.ok(
      seen.channelPartners.every((p) => p.contactId === null),
      JSON.stringify(seen.channelPartners),
    );
    const described = await created(
      api.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 1, description: 'For R' }),
    );
    assert.equal(described.description, 'For R');
  });

  it('answers FINGERPRINT_MISMATCH for a code validated from another device', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 2 });
    const never = await device().post('/licenses/validate', { code, fingerprint: 'pc-1' });
    assert.deepEqual(never.body, { valid: false, code: 'NOT_FOUND' });
    await created(device().post('/activations', { code, fingerprint: 'pc-1' }));
    const right = await device().post('/licenses/validate', { code, fingerprint: 'pc-1' });
    assert.equal(right.body.code, 'VALID');
    const wrong = await device().post('/licenses/validate', { code, fingerprint: 'pc-2' });
    assert.equal(wrong.status, 200);
    assert.deepEqual(wrong.body, { valid: false, code: 'FINGERPRINT_MISMATCH' });
  });

  it('splits off all of a line item that is free, answering 201', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 7 });
    await created(device().post('/activations', { code, fingerprint: fingerprint() }));
    const tooMuch = await api.post(`/line-items/${code}/split`, { quantity: 7 });
    assertProblem(tooMuch, 422, 'UNPROCESSABLE');
    assert.match(problemOf(tooMuch).detail, /At most 6/);
    const all = await created(api.post(`/line-items/${code}/split`, { quantity: 6 }));
    assert.equal(all.lineItem.quantity, 1);
    assert.equal(all.newLineItem.quantity, 6);
    const fresh = await activatable(api, { quantity: 3 });
    const everything = await created(api.post(`/line-items/${fresh.code}/split`, { quantity: 3 }));
    assert.equal(everything.lineItem.quantity, 0);
    assertProblem(
      await device().post('/activations', { code: fresh.code, fingerprint: fingerprint() }),
      409,
      'COUNT_EXCEEDED',
    );
  });

  it('accepts printable Unicode fingerprints, compared in NFC, within the same length limit', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 5 });
    const composed = 'Büro-PC é';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(composed, decomposed);
    const first = await created(device().post('/activations', { code, fingerprint: decomposed }));
    assert.equal(first.activation.fingerprint, composed, 'stored in NFC');
    const payload = JSON.parse(Buffer.from(first.license.token.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.sub, composed);
    const again = await device().post('/activations', { code, fingerprint: composed });
    assert.equal(again.status, 200, 'the same device, however it composes its accents');
    assert.equal(again.body.activation.id, first.activation.id);
    assert.equal((await device().post('/licenses/validate', { code, fingerprint: decomposed })).body.code, 'VALID');
    await created(device().post('/activations', { code, fingerprint: 'é' }));
    await created(device().post('/activations', { code, fingerprint: 'Ωμέγα 工作站' }));
    await created(device().post('/activations', { code, fingerprint: 'ü'.repeat(256) }));
    for (const bad of ['ü'.repeat(257), ' leading', 'trailing ', 'tab\there', 'zero\u200bwidth', 'line\u2028sep']) {
      assertProblem(await device().post('/activations', { code, fingerprint: bad }), 400, 'VALIDATION_FAILED');
    }
    const listed = (await api.get(`/activations?fingerprint=${encodeURIComponent(decomposed)}`)).body.items;
    assert.deepEqual(
      listed.map((a) => a.id),
      [first.activation.id],
    );
  });

  it('refuses stock of a product a web register key cannot activate, where the stock is created', async () => {
    const { api } = server();
    const floating = await licenseModel(api, { kind: 'floating' });
    const seats = await product(api, { licenseModelId: floating.id });
    const distributor = await partner(api);
    const r = await api.post('/entitlements', {
      kind: 'bulk',
      productId: seats.id,
      channelPartners: [{ accountId: distributor.id, tier: 'tier1' }],
    });
    assertProblem(r, 422, 'UNPROCESSABLE');
    assert.equal(problemOf(r).fields?.[0]?.field, '/productId');
    assert.match(problemOf(r).detail, /floating/);
    const { bulk } = await bulkWithKeys(api, { state: 'draft' });
    assertProblem(await api.patch(`/entitlements/${bulk.id}`, { productId: seats.id }), 422, 'UNPROCESSABLE');
    const uncounted = await product(api, { licenseModelId: (await licenseModel(api, { kind: 'uncounted' })).id });
    await created(api.patch(`/entitlements/${bulk.id}`, { productId: uncounted.id }), 200);
  });

  it('keeps the ship-to postal address in fields, and reads free text as its lines', async () => {
    const { api } = server();
    const owner = await account(api);
    const { product: p } = await activatable(api, { quantity: 1, state: 'draft' });
    const address = {
      lines: ['Hauptstraße 5', 'Gebäude B'],
      city: 'München',
      postalCode: '80331',
      region: 'Bayern',
      country: 'de',
    };
    const e = await created(
      api.post('/entitlements', {
        kind: 'simple',
        soldTo: owner.id,
        shipToAddress: address,
        lineItems: [{ productId: p.id, quantity: 1 }],
      }),
    );
    assert.deepEqual(e.shipToAddress, { ...address, country: 'DE' });
    assert.deepEqual((await api.get(`/entitlements/${e.id}`)).body.shipToAddress, { ...address, country: 'DE' });
    const patched = await created(
      api.patch(`/entitlements/${e.id}`, { shipToAddress: { lines: ['PO Box 7'], city: 'Graz' } }),
      200,
    );
    assert.deepEqual(patched.shipToAddress, {
      lines: ['PO Box 7'],
      city: 'Graz',
      postalCode: null,
      region: null,
      country: null,
    });
    const cleared = await created(api.patch(`/entitlements/${e.id}`, { shipToAddress: null }), 200);
    assert.equal(cleared.shipToAddress, null);
    for (const bad of [{ country: 'Germany' }, { lines: 'one line' }, { street: 'x' }, { lines: Array(7).fill('x') }]) {
      assertProblem(await api.patch(`/entitlements/${e.id}`, { shipToAddress: bad }), 400, 'VALIDATION_FAILED');
    }
  });
});
