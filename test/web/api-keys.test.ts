import assert from 'node:assert/strict';
import { it } from 'node:test';
import { partner } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal: API keys', (server) => {
  it('lets an admin create a key, shows its secret once, and revoke it', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const p = await partner(api);
    const form = await admin.get('/portal/api-keys');
    // The account is picked by name, not typed as an ID.
    assert.match(
      form.html,
      new RegExp(`<select[^>]*name="accountId"[\\s\\S]*?<option value="${p.id}">${p.name} \\(partner\\)</option>`),
    );
    const created = await admin.post('/portal/api-keys', { name: 'Reseller sync', role: 'partner', accountId: p.id });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const secret = /lic_[A-Za-z0-9_-]{43}/.exec(created.html)?.[0];
    assert.ok(secret, 'the secret is on the page');
    assert.equal((await api.as(secret).get(`/accounts/${p.id}`)).status, 200, 'and works');
    const listed = await admin.get('/portal/api-keys?role=partner');
    assert.match(textOf(listed.html), /Reseller sync/);
    assert.match(
      listed.html,
      new RegExp(`<a href="/portal/accounts/${p.id}">${p.name} \\(partner\\)</a>`),
      'its account by name',
    );
    assert.ok(!listed.html.includes(secret), 'never shown again');
    const id = (await api.get('/api-keys?role=partner')).body.items.find(
      (k: { name: string }) => k.name === 'Reseller sync',
    )!.id;
    const revoked = await admin.post(`/portal/api-keys/${id}/revoke`);
    assert.equal(revoked.status, 303);
    assert.match(textOf((await admin.get(revoked.location ?? '')).html), /Key “Reseller sync” is revoked\./);
    assert.equal((await api.as(secret).get(`/accounts/${p.id}`)).status, 401);
  });

  it('shows what is wrong beside the field and creates nothing', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const before = (await api.get('/api-keys?limit=1000')).body.items.length;
    await admin.get('/portal/api-keys');
    const noAccount = await admin.post('/portal/api-keys', { name: 'x', role: 'partner' });
    assert.equal(noAccount.status, 400);
    assert.match(noAccount.html, /class="field field-invalid"[\s\S]*required for role partner/);
    const badRole = await admin.post('/portal/api-keys', { role: 'root' });
    assert.equal(badRole.status, 400);
    const unknown = await admin.post('/portal/api-keys', { role: 'customer', accountId: 'acc_missing' });
    assert.equal(unknown.status, 422);
    assert.match(textOf(unknown.html), /does not exist/);
    assert.equal((await api.get('/api-keys?limit=1000')).body.items.length, before);
    assert.equal((await admin.get('/portal/api-keys?role=root')).status, 400);
    assert.equal((await admin.post('/portal/api-keys/key_missing/revoke')).status, 404);
  });

  it('is for admins only', async () => {
    const { api, url } = server();
    const p = await partner(api);
    for (const [role, accountId] of [
      ['operator', undefined],
      ['partner', p.id],
    ] as const) {
      const client = await PortalClient.as(api, url, role, accountId);
      assert.equal((await client.get('/portal/api-keys')).status, 403, role);
      await client.get('/portal');
      assert.equal((await client.post('/portal/api-keys', { role: 'admin' })).status, 403, role);
    }
    const signedOut = new PortalClient(url);
    const r = await signedOut.get('/portal/api-keys');
    assert.equal(r.status, 303);
    assert.equal(r.location, '/sign-in?next=%2Fportal%2Fapi-keys');
  });
});
