import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, apiKey, assertProblem, created, partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('API keys', (server) => {
  it('creates a key whose secret is shown once and works at once', async () => {
    const { api } = server();
    const r = await api.post('/api-keys', { role: 'operator', name: 'CRM sync' });
    assert.equal(r.status, 201);
    assert.match(r.body.id, /^key_/);
    assert.match(r.body.key, /^lic_[A-Za-z0-9_-]{43}$/);
    assert.equal(r.body.role, 'operator');
    assert.equal(r.body.accountId, null);
    assert.ok(r.body.key.startsWith(r.body.prefix));
    const listed = await api.get('/api-keys?role=operator');
    const entry = listed.body.items.find((k) => k.id === r.body.id);
    assert.equal(entry!.name, 'CRM sync');
    assert.ok(!('key' in entry!), 'the secret is never listed');
    assert.ok(!('key' in (await api.get(`/api-keys/${r.body.id}`)).body));
    assert.equal((await api.as(r.body.key).get('/products')).status, 200);
  });

  it('stores only a hash of the secret', async () => {
    const { api, running } = server();
    const { key, id } = (await api.post('/api-keys', { role: 'admin' })).body;
    const row = await running.ctx.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(key.slice(4)), 'secret not stored');
    assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
  });

  it('binds partner and customer keys to an account of the same type', async () => {
    const { api } = server();
    const p = await partner(api);
    const c = await account(api);
    assert.equal((await api.post('/api-keys', { role: 'partner', accountId: p.id })).body.accountId, p.id);
    assert.equal((await api.post('/api-keys', { role: 'customer', accountId: c.id })).status, 201);
    assertProblem(await api.post('/api-keys', { role: 'partner' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/api-keys', { role: 'partner', accountId: c.id }), 422, 'UNPROCESSABLE');
    assertProblem(
      await api.post('/api-keys', { role: 'customer', accountId: 'acc_missing' }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assertProblem(await api.post('/api-keys', { role: 'admin', accountId: p.id }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/api-keys', { role: 'root' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/api-keys', {}), 400, 'VALIDATION_FAILED');
  });

  it('revokes a key so that it stops working at once', async () => {
    const { api } = server();
    const created_ = await created(api.post('/api-keys', { role: 'operator' }));
    const revoked = await api.post(`/api-keys/${created_.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    assertProblem(await api.as(created_.key).get('/products'), 401, 'UNAUTHENTICATED');
    assertProblem(await api.post(`/api-keys/${created_.id}/revoke`), 409, 'INVALID_STATE');
    assertProblem(await api.post('/api-keys/key_missing/revoke'), 404, 'NOT_FOUND');
    assert.equal(
      (await api.get('/api-keys?revoked=true')).body.items.some((k) => k.id === created_.id),
      true,
    );
  });

  it('refuses missing, malformed and unknown credentials with 401 and a Bearer challenge', async () => {
    const { api } = server();
    const anonymous = api.as(null);
    const r = await anonymous.get('/api-keys');
    assertProblem(r, 401, 'UNAUTHENTICATED');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assertProblem(
      await api.get('/api-keys', { headers: { authorization: 'Basic abc' }, key: null }),
      401,
      'UNAUTHENTICATED',
    );
    assertProblem(await api.as('lic_made_up').get('/api-keys'), 401, 'UNAUTHENTICATED');
  });

  it('lets only admins manage keys', async () => {
    const { api } = server();
    const p = await partner(api);
    for (const key of [await apiKey(api, 'operator'), await apiKey(api, 'partner', p.id)]) {
      assertProblem(await api.as(key).post('/api-keys', { role: 'admin' }), 403, 'FORBIDDEN');
      assertProblem(await api.as(key).get('/api-keys'), 403, 'FORBIDDEN');
    }
  });
});
