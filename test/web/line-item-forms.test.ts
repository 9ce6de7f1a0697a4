import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { fingerprint } from '../support/activation-fixtures.ts';
import { created, product } from '../support/fixtures.ts';
import { textOf } from '../support/portal-client.ts';
import {
  type PortalWorld,
  entitlementFor,
  entitlementNow,
  errorBeside,
  eventsOf,
  portalWorld,
} from '../support/portal-world.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal: editing and deleting a draft line item', (server) => {
  let w: PortalWorld;

  before(async () => {
    const { api, url } = server();
    w = await portalWorld(api, url);
  });

  const pathOf = (code: string) => `/portal/line-items/${encodeURIComponent(code)}`;

  async function draft(state?: 'test' | 'deployed') {
    const { api } = server();
    const e = await entitlementFor(api, w.D.id, w.productId, {
      state,
      fields: { lineItems: [{ productId: w.productId, quantity: 5, expirationDate: '2031-06-30' }] },
    });
    return { entitlement: e, code: e.lineItems[0]!.activationId };
  }

  it('offers Edit on a draft line item, prefilled, and saves a new product, quantity and cleared date', async () => {
    const { api } = server();
    const { entitlement, code } = await draft();
    const page = await w.admin.get(pathOf(code));
    assert.ok(page.html.includes(`href="${pathOf(code)}/edit"`), 'Edit is offered');
    const form = await w.admin.get(`${pathOf(code)}/edit`);
    assert.equal(form.status, 200);
    assert.match(form.html, /name="quantity"[^>]*value="5"/);
    assert.match(form.html, /name="expirationDate"[^>]*value="2031-06-30"/);
    const newer = await product(api);
    const saved = await w.admin.post(`${pathOf(code)}/edit`, {
      productId: newer.id,
      quantity: '7',
      startDate: '',
      expirationDate: '',
    });
    assert.equal(saved.status, 303);
    assert.equal(saved.location, pathOf(code));
    assert.match(textOf((await w.admin.get(saved.location ?? '')).html), new RegExp(`Line item ${code} is saved`));
    const now = (await entitlementNow(api, entitlement.id)).lineItems[0]!;
    assert.deepEqual([now.productId, now.quantity, now.startDate, now.expirationDate], [newer.id, 7, null, null]);
    const events = await api.get(`/events?entitlement=${encodeURIComponent(entitlement.id)}&action=line-item.updated`);
    assert.equal(events.body.items.length, 1);
  });

  it('shows bad input beside its field and changes nothing', async () => {
    const { api } = server();
    const { entitlement, code } = await draft();
    await w.admin.get(`${pathOf(code)}/edit`);
    const before = await eventsOf(api, entitlement.id);
    const zero = await w.admin.post(`${pathOf(code)}/edit`, {
      productId: w.productId,
      quantity: '0',
      expirationDate: '2031-06-30',
    });
    assert.equal(zero.status, 400);
    assert.ok(errorBeside(zero.html, 'quantity'), 'the refusal is beside the quantity');
    const backwards = await w.admin.post(`${pathOf(code)}/edit`, {
      productId: w.productId,
      quantity: '5',
      startDate: '2032-01-01',
      expirationDate: '2031-06-30',
    });
    assert.equal(backwards.status, 400);
    const unknown = await w.admin.post(`${pathOf(code)}/edit`, {
      productId: 'prd_00000000000000000000000000',
      quantity: '5',
    });
    assert.equal(unknown.status, 422);
    assert.ok(errorBeside(unknown.html, 'productId'));
    assert.equal((await entitlementNow(api, entitlement.id)).lineItems[0]!.quantity, 5);
    assert.deepEqual(await eventsOf(api, entitlement.id), before, 'no event either');
  });

  it('refuses to edit a deployed line item, and a quantity under what test activations use', async () => {
    const { api } = server();
    const deployed = await draft('deployed');
    assert.ok(
      !(await w.admin.get(pathOf(deployed.code))).html.includes(`${pathOf(deployed.code)}/edit"`),
      'no Edit once deployed',
    );
    await w.admin.get(`${pathOf(deployed.code)}/edit`);
    const refused = await w.admin.post(`${pathOf(deployed.code)}/edit`, { productId: w.productId, quantity: '9' });
    assert.equal(refused.status, 409);
    assert.match(textOf(refused.html), /possible in draft or test only/);
    const test = await draft('test');
    for (let i = 0; i < 3; i++)
      await created(api.as(null).post('/activations', { code: test.code, fingerprint: fingerprint() }));
    await w.admin.get(`${pathOf(test.code)}/edit`);
    const under = await w.admin.post(`${pathOf(test.code)}/edit`, { productId: w.productId, quantity: '2' });
    assert.equal(under.status, 422);
    assert.match(errorBeside(under.html, 'quantity') ?? '', /at least 3/);
    assert.equal((await entitlementNow(api, test.entitlement.id)).lineItems[0]!.quantity, 5);
  });

  it('deletes a draft line item; keeps one whose test activations are still active', async () => {
    const { api } = server();
    const { entitlement, code } = await draft();
    await created(
      api.post(`/entitlements/${encodeURIComponent(entitlement.id)}/line-items`, {
        productId: w.productId,
        quantity: 1,
      }),
    );
    await w.admin.get(`${pathOf(code)}/edit`);
    const deleted = await w.admin.post(`${pathOf(code)}/delete`);
    assert.equal(deleted.status, 303);
    assert.equal(deleted.location, `/portal/entitlements/${encodeURIComponent(entitlement.id)}#line-items`);
    assert.equal((await api.get(`/line-items/${encodeURIComponent(code)}`)).status, 404);
    assert.equal((await entitlementNow(api, entitlement.id)).lineItems.length, 1);
    const test = await draft('test');
    await created(api.as(null).post('/activations', { code: test.code, fingerprint: fingerprint() }));
    await w.admin.get(`${pathOf(test.code)}/edit`);
    const kept = await w.admin.post(`${pathOf(test.code)}/delete`);
    assert.equal(kept.status, 409);
    assert.match(textOf(kept.html), /active activations; return them before deleting it/);
    assert.equal((await api.get(`/line-items/${encodeURIComponent(test.code)}`)).status, 200);
  });

  it('is the producer’s: partners and customers get 403, signed-out visitors the sign-in page', async () => {
    const { code } = await draft();
    for (const client of [w.partnerP, w.customerD]) {
      assert.equal((await client.get(`${pathOf(code)}/edit`)).status, 403);
      await client.get('/portal');
      assert.equal((await client.post(`${pathOf(code)}/edit`, { quantity: '9' })).status, 403);
      assert.equal((await client.post(`${pathOf(code)}/delete`)).status, 403);
    }
    assert.ok(
      !(await w.customerD.get(pathOf(code))).html.includes(`${pathOf(code)}/edit"`),
      'no Edit for the customer',
    );
    const signedOut = await w.signedOut.get(`${pathOf(code)}/edit`);
    assert.equal(signedOut.status, 303);
    assert.match(signedOut.location ?? '', /^\/sign-in/);
    assert.equal((await w.operator.get(`${pathOf(code)}/edit`)).status, 200, 'the operator works as the producer');
  });
});
