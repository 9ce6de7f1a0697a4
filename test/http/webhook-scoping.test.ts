import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { type WebhookEventType, eventTypeNames, isAdminOnly } from '../../src/domain/webhooks.ts';
import { fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { account, apiKey, created, licenseModel, partner, product, unique } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const everything = [...new Set(eventTypeNames.map((type) => `${type.split('.')[0]}.*`))];

const receivers: WebhookReceiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

async function endpointOf(as: Api) {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const endpoint = await created(as.post('/webhook-endpoints', { url: receiver.url, events: everything }));
  receiver.secrets.push(endpoint.secret);
  return { receiver, endpoint };
}

/**
 * Everything a partner's business produces, below partner `x`: an anonymous end customer, its
 * entitlement through its whole life, activations, a floating lease, stock with keys, a user.
 * Answers the IDs that belong to this partner's side, which the other partner must never see.
 */
async function partnerBusiness(admin: Api, x: { id: string }, productId: string, floatingProductId: string) {
  const ids: string[] = [x.id];
  const child = await account(admin, { parentAccountId: x.id, anonymous: true, name: unique('anon') });
  ids.push(child.id);
  await created(admin.patch(`/accounts/${child.id}`, { name: unique('renamed') }), 200);
  const handedOver = await account(admin, { parentAccountId: x.id, anonymous: true, name: unique('anon') });
  ids.push(handedOver.id);
  const asX = admin.as(await apiKey(admin, 'partner', x.id));
  await created(asX.post(`/accounts/${handedOver.id}/hand-over`, { name: unique('named') }), 200);
  ids.push((await created(admin.post(`/accounts/${x.id}/contacts`, { name: 'Pat', email: 'pat@example.com' }))).id);
  const tier1 = { channelPartners: [{ accountId: x.id, tier: 'tier1' }] };
  const entitlement = await created(
    admin.post('/entitlements', {
      kind: 'simple',
      soldTo: child.id,
      lineItems: [{ productId, quantity: 5, expirationDate: '2090-01-01' }],
      ...tier1,
    }),
  );
  await created(admin.patch(`/entitlements/${entitlement.id}`, { description: 'edited' }), 200);
  const added = await created(admin.post(`/entitlements/${entitlement.id}/line-items`, { productId, quantity: 2 }));
  await created(admin.patch(`/line-items/${added.lineItems.at(-1)!.activationId}`, { quantity: 3 }), 200);
  const extra = await created(admin.post(`/entitlements/${entitlement.id}/line-items`, { productId, quantity: 1 }));
  assert.equal((await admin.delete(`/line-items/${extra.lineItems.at(-1)!.activationId}`)).status, 204);
  const regenerated = await created(admin.post(`/entitlements/${entitlement.id}/regenerate-ids`), 200);
  const deployed = await created(admin.post(`/entitlements/${regenerated.id}/state`, { state: 'deployed' }), 200);
  ids.push(deployed.id);
  const code = deployed.lineItems[0]!.activationId;
  ids.push(code);
  const first = await created(admin.post('/activations', { code, fingerprint: fingerprint() }));
  ids.push(first.activation.id);
  await created(admin.post(`/activations/${first.activation.id}/return`), 200);
  const second = await created(admin.post('/activations', { code, fingerprint: fingerprint() }));
  ids.push(second.activation.id);
  await created(admin.post(`/activations/${second.activation.id}/revoke`), 200);
  await created(admin.post(`/line-items/${code}/renew`, { expirationDate: '2091-01-01' }), 200);
  await created(admin.post(`/line-items/${code}/upsell`, { quantity: 1 }), 200);
  await created(admin.post(`/line-items/${code}/split`, { quantity: 1 }));
  const own = await created(
    admin.post('/entitlements', { kind: 'simple', soldTo: x.id, lineItems: [{ productId, quantity: 2 }], ...tier1 }),
  );
  await created(admin.post(`/entitlements/${own.id}/state`, { state: 'deployed' }), 200);
  await created(
    admin.post(`/line-items/${own.lineItems[0]!.activationId}/transfer`, { accountId: child.id, activations: 'move' }),
  );
  const doomed = await created(
    admin.post('/entitlements', {
      kind: 'simple',
      soldTo: child.id,
      lineItems: [{ productId, quantity: 1 }],
      ...tier1,
    }),
  );
  assert.equal((await admin.delete(`/entitlements/${doomed.id}`)).status, 204);
  const floating = await created(
    admin.post('/entitlements', {
      kind: 'simple',
      soldTo: child.id,
      lineItems: [{ productId: floatingProductId, quantity: 2 }],
      ...tier1,
    }),
  );
  await created(admin.post(`/entitlements/${floating.id}/state`, { state: 'deployed' }), 200);
  const seat = fingerprint();
  const lease = await created(admin.post('/leases', { code: floating.lineItems[0]!.activationId, fingerprint: seat }));
  await created(admin.post(`/leases/${lease.id}/release`, { fingerprint: seat }), 200);
  const { bulk, keys } = await bulkWithKeys(admin, { partnerId: x.id, productId, generate: 3 });
  ids.push(bulk.id, ...keys);
  const redeemed = await created(admin.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: unique('buyer') }));
  ids.push(redeemed.id);
  await created(admin.post(`/web-register-keys/${keys[1]}/void`), 200);
  const user = await created(
    admin.post('/users', { email: `${x.id}@example.com`, name: 'Sam', role: 'partner', accountId: x.id }),
  );
  await created(admin.patch(`/users/${user.id}`, { name: 'Samantha' }), 200);
  ids.push(user.id);
  return { ids, child, keys, firstActivation: first.activation.id };
}

/** The types this run produces; the rest are covered elsewhere (see the list at the end). */
const notProducedHere = new Set([
  'api_key.restored',
  'activation.license_renewed',
  'signing_key.created',
  'line_item.upgraded',
  'web_register_keys.voided',
  'web_register_keys.split',
  'webhook_endpoint.deleted',
  'webhook_endpoint.secret_rotated',
  'webhook_endpoint.disabled',
]);
/**
 * Events about what is gone, or is no longer the partner's (an end customer handed over to the
 * producer), reach the producer only: nothing is left for a partner to read.
 */
const producerOnlyTypes = new Set(['entitlement.deleted', 'line_item.deleted', 'account.handed_over']);

describeEachBackend(
  'webhooks reach each partner with its own scope only',
  (server) => {
    it('through every event type: the producer gets all, each partner its own and none of the other', async () => {
      const { api: admin } = server();
      const p = await partner(admin);
      const q = await partner(admin);
      const toProducer = await endpointOf(admin);
      const asP = admin.as(await apiKey(admin, 'partner', p.id));
      const asQ = admin.as(await apiKey(admin, 'partner', q.id));
      const toP = await endpointOf(asP);
      const toQ = await endpointOf(asQ);
      for (const { endpoint } of [toP, toQ])
        await created(admin.patch(`/webhook-endpoints/${endpoint.id}`, { description: 'shop' }), 200);
      await created(admin.post('/features', { name: unique('feature') }));
      const model = await licenseModel(admin);
      const prod = await product(admin, { licenseModelId: model.id });
      await created(admin.patch(`/products/${prod.id}`, { description: 'x' }), 200);
      const floatingModel = await licenseModel(admin, { kind: 'floating' });
      const floatingProduct = await product(admin, { licenseModelId: floatingModel.id });
      const sideP = await partnerBusiness(admin, p, prod.id, floatingProduct.id);
      const sideQ = await partnerBusiness(admin, q, prod.id, floatingProduct.id);
      const key = await created(admin.post('/api-keys', { role: 'operator' }));
      await created(admin.post(`/api-keys/${key.id}/revoke`), 200);
      // Markers: the last change of all, which each of them may see.
      const markerP = await account(admin, { parentAccountId: p.id });
      const markerQ = await account(admin, { parentAccountId: q.id });
      const hasMarker = (id: string) => (r: { event: { data: { id?: string } } }[]) =>
        r.some((x) => x.event.data?.id === id);
      await toProducer.receiver.until((r) => hasMarker(markerP.id)(r) && hasMarker(markerQ.id)(r));
      await toP.receiver.until(hasMarker(markerP.id));
      await toQ.receiver.until(hasMarker(markerQ.id));
      // Deliveries are not ordered: an earlier event's fan-out (several reads as the partner) may
      // still be under way when a later one's has arrived, with no delivery of its own to wait for
      // yet. Wait (a while, not for ever) until every type expected below has arrived.
      const expected = eventTypeNames.filter((type) => !notProducedHere.has(type));
      const partnerTypes = expected.filter((type) => !isAdminOnly(type) && !producerOnlyTypes.has(type));
      const covers = (types: readonly string[]) => (r: { event: { type: string } }[]) =>
        types.every((type) => r.some((x) => x.event.type === type));
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, 20_000).unref());
      await Promise.race([
        Promise.all([
          toProducer.receiver.until(covers(expected)),
          toP.receiver.until(covers(partnerTypes)),
          toQ.receiver.until(covers(partnerTypes)),
        ]),
        deadline,
      ]);
      for (const { endpoint } of [toProducer, toP, toQ]) {
        for (;;) {
          const pending = await admin.get(`/webhook-endpoints/${endpoint.id}/deliveries?status=pending`);
          if (pending.body.items.length === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }

      for (const receiver of [toProducer.receiver, toP.receiver, toQ.receiver]) {
        assert.ok(
          receiver.received.every((r) => r.verified),
          'every delivery verifies',
        );
        const ids = receiver.received.map((r) => r.id);
        assert.equal(new Set(ids).size, ids.length, 'each delivery once');
      }
      const typesOf = (receiver: WebhookReceiver) => new Set(receiver.received.map((r) => r.event.type));
      assert.deepEqual(
        expected.filter((type) => !typesOf(toProducer.receiver).has(type)),
        [],
        'the producer receives every type',
      );
      for (const { receiver } of [toP, toQ]) {
        assert.deepEqual(
          partnerTypes.filter((type) => !typesOf(receiver).has(type)),
          [],
          'a partner receives every type about its own business',
        );
        const leaked = [...typesOf(receiver)].filter(
          (type) => isAdminOnly(type as WebhookEventType) || producerOnlyTypes.has(type),
        );
        assert.deepEqual(leaked, []);
      }
      const mentions = (receiver: WebhookReceiver, ids: string[]) =>
        receiver.received.filter((r) => ids.some((id) => r.body.includes(id))).map((r) => r.event.type);
      assert.deepEqual(mentions(toP.receiver, sideQ.ids), [], "P learns nothing of Q's business");
      assert.deepEqual(mentions(toQ.receiver, sideP.ids), [], "Q learns nothing of P's business");
      assert.deepEqual(mentions(toP.receiver, [toQ.endpoint.id]), [], "nor of Q's webhook endpoint");

      // The data is what the partner's own GET answers (for objects that did not change since).
      const [returned] = toP.receiver.received.filter(
        (r) => r.event.type === 'activation.returned' && r.event.data.id === sideP.firstActivation,
      );
      assert.deepEqual(returned?.event.data, (await asP.get(`/activations/${sideP.firstActivation}`)).body);
      const [voided] = toP.receiver.ofType('web_register_key.voided');
      assert.deepEqual(voided?.event.data, (await asP.get(`/web-register-keys/${sideP.keys[1]}`)).body);
      const [renamed] = toP.receiver.ofType('account.updated');
      assert.deepEqual(renamed?.event.data, (await asP.get(`/accounts/${sideP.child.id}`)).body);
      const [producerRenamed] = toProducer.receiver
        .ofType('account.updated')
        .filter((r) => r.event.data.id === sideP.child.id);
      assert.deepEqual(producerRenamed?.event.data, (await admin.get(`/accounts/${sideP.child.id}`)).body);
    });
  },
  { webhooksAllowPrivate: true, outboxPollMs: 50 },
);
