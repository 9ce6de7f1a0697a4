import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, apiKey, assertProblem, created, product, simpleEntitlement, member } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('audit log', (server) => {
  it('records who changed what, with before and after', async () => {
    const { api } = server();
    const operatorKey = await created(api.post('/api-keys', { role: 'operator' }));
    const operator = api.as(operatorKey.key);
    const customer = await account(operator);
    const renamed = await created(operator.patch(`/accounts/${customer.id}`, { name: 'Renamed Ltd' }), 200);
    const events = (await api.get(`/events?subjectId=${customer.id}`)).body.items;
    assert.deepEqual(
      events.map((e) => e.action),
      ['account.updated', 'account.created'],
    );
    const [updated, createdEvent] = events;
    assert.ok(updated && createdEvent);
    assert.equal(updated.actor, `api-key:${operatorKey.id}`);
    assert.equal(updated.subjectType, 'account');
    assert.equal(member(updated.before, 'name'), customer.name);
    assert.deepEqual(updated.after, renamed);
    assert.equal(createdEvent.before, null);
    assert.deepEqual(createdEvent.after, customer);
    assert.ok(Date.parse(updated.at) >= Date.parse(createdEvent.at));
  });

  it('shows the whole history of an entitlement and its line items', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const e = await simpleEntitlement(api, { soldTo: customer.id, productId: prod.id, state: 'test' });
    await created(api.post(`/entitlements/${e.id}/line-items`, { productId: prod.id, quantity: 2 }));
    const regenerated = await created(api.post(`/entitlements/${e.id}/regenerate-ids`), 200);
    await created(api.post(`/entitlements/${regenerated.id}/state`, { state: 'deployed' }), 200);
    const history = (await api.get(`/events?entitlement=${regenerated.id}`)).body.items;
    assert.deepEqual(
      history.map((h) => h.action),
      ['entitlement.state-changed', 'entitlement.ids-regenerated', 'line-item.added', 'entitlement.created'],
    );
    assert.equal(member(history[0]!.before, 'state'), 'test');
    assert.equal(member(history[0]!.after, 'state'), 'deployed');
    const onlyStates = (await api.get(`/events?action=entitlement.state-changed&limit=1`)).body;
    assert.equal(onlyStates.items.length, 1);
    assert.equal(onlyStates.items[0]!.action, 'entitlement.state-changed');
  });

  it('writes nothing when the change is refused', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const e = await simpleEntitlement(api, { soldTo: customer.id, productId: prod.id });
    const count = async () => (await api.get(`/events?entitlement=${e.id}`)).body.items.length;
    const before = await count();
    assertProblem(await api.post(`/entitlements/${e.id}/state`, { state: 'inactive' }), 409, 'INVALID_STATE');
    assertProblem(await api.patch(`/entitlements/${e.id}`, { soldTo: 'acc_missing' }), 422, 'UNKNOWN_REFERENCE');
    assert.equal(await count(), before);
    assert.equal((await api.get(`/entitlements/${e.id}`)).body.soldTo, customer.id);
  });

  it('filters by time and refuses bad filters', async () => {
    const { api } = server();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.deepEqual((await api.get(`/events?from=${future}`)).body.items, []);
    assertProblem(await api.get('/events?from=yesterday'), 400, 'VALIDATION_FAILED');
    assertProblem(await api.get('/events?entitlement=NOPE'), 404, 'NOT_FOUND');
  });

  it('is for the producer only', async () => {
    const { api } = server();
    const c = await account(api);
    assertProblem(await api.as(await apiKey(api, 'customer', c.id)).get('/events'), 403, 'FORBIDDEN');
    assert.equal((await api.as(await apiKey(api, 'operator')).get('/events')).status, 200);
  });
});
