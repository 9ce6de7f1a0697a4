import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { account, partner } from '../support/fixtures.ts';
import { verifyWithServerJwks } from '../support/licences.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { anonymousCustomer } from '../support/portal-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal: activations and devices', (server) => {
  /** Two partners, each with a named customer holding one activation, and a direct sale. */
  async function world() {
    const { api } = server();
    const p1 = await partner(api, { name: 'Alpha Distribution' });
    const p2 = await partner(api, { name: 'Beta Resellers' });
    const c1 = await account(api, { name: 'Contoso Ltd', parentAccountId: p1.id });
    const c2 = await account(api, { name: 'Fabrikam Inc', parentAccountId: p2.id });
    const sold = (soldTo: string, tier1: string) =>
      activatable(api, { soldTo, quantity: 3, fields: { channelPartners: [{ accountId: tier1, tier: 'tier1' }] } });
    const e1 = await sold(c1.id, p1.id);
    const e2 = await sold(c2.id, p2.id);
    const device = api.as(null);
    const fp1 = fingerprint();
    const a1 = (
      await device.post('/activations', { code: e1.code, fingerprint: fp1, deviceName: 'Design workstation' })
    ).body;
    const a2 = (
      await device.post('/activations', { code: e2.code, fingerprint: fingerprint(), deviceName: 'Fabrikam laptop' })
    ).body;
    return { p1, p2, c1, c2, e1, e2, a1: a1.activation, a2: a2.activation, fp1 };
  }

  const used = async (activationCode: string, entitlementId: string) =>
    (await server().api.get(`/entitlements/${entitlementId}`)).body.lineItems.find(
      (li: { activationId: string }) => li.activationId === activationCode,
    )!.activatedCount as number;

  it('shows each role the activations it may see, and 404 for the others', async () => {
    const { api, url } = server();
    const w = await world();
    const admin = await PortalClient.as(api, url, 'admin');
    const list = textOf((await admin.get('/portal/activations')).html);
    assert.match(list, /Design workstation/);
    assert.match(list, /Fabrikam laptop/);
    assert.match(list, /Contoso Ltd/, 'the producer sees whose device it is');

    const partner1 = await PortalClient.as(api, url, 'partner', w.p1.id);
    const own = textOf((await partner1.get('/portal/activations')).html);
    assert.match(own, /Design workstation/);
    assert.doesNotMatch(own, /Fabrikam/, "another partner's customers never appear");
    assert.equal((await partner1.get(`/portal/activations/${w.a2.id}`)).status, 404);
    assert.equal((await partner1.get(`/portal/activations/${w.a2.id}/license`)).status, 404);
    assert.equal((await partner1.get(`/portal/devices/${w.a2.deviceId}`)).status, 404);
    assert.doesNotMatch(textOf((await partner1.get('/portal/devices')).html), /Fabrikam/);

    const customer1 = await PortalClient.as(api, url, 'customer', w.c1.id);
    const mine = await customer1.get('/portal/activations');
    assert.match(textOf(mine.html), /Devices and licences/);
    assert.match(textOf(mine.html), /Design workstation/);
    assert.doesNotMatch(textOf(mine.html), /Fabrikam/);
    assert.ok(!mine.html.includes('name="account"'), 'a customer has no account filter: it sees only its own');
    assert.equal((await customer1.get(`/portal/activations/${w.a2.id}`)).status, 404);
    const detail = await customer1.get(`/portal/activations/${w.a1.id}`);
    assert.equal(detail.status, 200);
    assert.match(textOf(detail.html), /Design workstation/);
    assert.doesNotMatch(detail.html, /\/revoke"/, 'only the producer is offered revocation');

    const signedOut = new PortalClient(url);
    for (const path of [
      '/portal/activations',
      `/portal/activations/${w.a1.id}`,
      `/portal/activations/${w.a1.id}/license`,
      '/portal/devices',
    ]) {
      const r = await signedOut.get(path);
      assert.equal(r.status, 303, path);
      assert.match(r.location ?? '', /^\/sign-in\?next=/);
    }
  });

  it('filters by code, activation ID, fingerprint, account, state and test', async () => {
    const { api, url } = server();
    const w = await world();
    const test = await activatable(api, { state: 'test', soldTo: w.c1.id });
    await api.as(null).post('/activations', { code: test.code, fingerprint: fingerprint(), deviceName: 'Test rig' });
    const admin = await PortalClient.as(api, url, 'admin');
    const shown = async (query: string) => textOf((await admin.get(`/portal/activations?${query}`)).html);
    assert.match(await shown(`q=${w.e1.code.toLowerCase()}`), /Design workstation/, 'codes match in any case');
    assert.doesNotMatch(await shown(`q=${w.e1.code}`), /Fabrikam laptop/);
    assert.match(await shown(`q=${w.a2.id}`), /Fabrikam laptop/);
    assert.doesNotMatch(await shown(`q=${w.a2.id}`), /Design workstation/);
    assert.match(await shown('q=act_nothing'), /No activation matches these filters/);
    assert.match(await shown(`fingerprint=${encodeURIComponent(w.fp1)}`), /Design workstation/);
    assert.doesNotMatch(await shown(`fingerprint=${encodeURIComponent(w.fp1)}`), /Fabrikam laptop/);
    const ofAccount = await shown(`account=${w.c2.id}`);
    assert.match(ofAccount, /Activations of Fabrikam Inc\./);
    assert.doesNotMatch(ofAccount, /Design workstation/);
    assert.match(await shown(`test=true&account=${w.c1.id}`), /Test rig/);
    assert.doesNotMatch(await shown(`test=false&account=${w.c1.id}`), /Test rig/);
    assert.match(await shown('state=returned'), /No activation matches/);
    assert.equal((await admin.get('/portal/activations?state=lost')).status, 400);
    assert.equal((await admin.get('/portal/activations?test=maybe')).status, 400);
    assert.equal((await admin.get('/portal/activations?cursor=not-a-cursor')).status, 400);

    const devices = async (query: string) => textOf((await admin.get(`/portal/devices?${query}`)).html);
    assert.match(await devices('search=workstation'), /Design workstation/);
    assert.doesNotMatch(await devices('search=workstation'), /Fabrikam laptop/);
    assert.match(await devices(`search=${encodeURIComponent(w.fp1)}`), /Design workstation/);
    assert.match(await devices(`account=${w.c2.id}`), /Fabrikam laptop/);
    // The account filters are pickers of accounts by name, the chosen one selected.
    for (const page of ['activations', 'devices']) {
      const html = (await admin.get(`/portal/${page}?account=${w.c2.id}`)).html;
      assert.match(html, /<select[^>]*name="account"[^>]*>\s*<option value(?:="")?>Any account<\/option>/, page);
      assert.match(html, new RegExp(`<option value="${w.c2.id}" selected>Fabrikam Inc</option>`), page);
    }
    const device = textOf((await admin.get(`/portal/devices/${w.a1.deviceId}`)).html);
    assert.match(device, /Activations on this device/);
    assert.match(device, new RegExp(w.e1.code));
  });

  it('returns through the page, and the count comes back; a second return changes nothing', async () => {
    const { api, url } = server();
    const w = await world();
    assert.equal(await used(w.e1.code, w.e1.entitlement.id), 1);
    const customer1 = await PortalClient.as(api, url, 'customer', w.c1.id);
    const page = await customer1.get(`/portal/activations/${w.a1.id}`);
    assert.match(page.html, new RegExp(`action="/portal/activations/${w.a1.id}/return"`));
    const returned = await customer1.post(`/portal/activations/${w.a1.id}/return`);
    assert.equal(returned.status, 303);
    assert.equal(returned.location, `/portal/activations/${w.a1.id}`);
    const after = await customer1.get(returned.location ?? '');
    assert.match(textOf(after.html), /Returned\. The count of .* is free for another device\./);
    assert.match(textOf(after.html), /returned/);
    assert.equal(await used(w.e1.code, w.e1.entitlement.id), 0, 'the count is back');
    const again = await customer1.post(`/portal/activations/${w.a1.id}/return`);
    assert.equal(again.status, 409);
    assert.equal(await used(w.e1.code, w.e1.entitlement.id), 0);

    const partner2 = await PortalClient.as(api, url, 'partner', w.p2.id);
    await partner2.get('/portal');
    assert.equal(
      (await partner2.post(`/portal/activations/${w.a1.id}/return`)).status,
      404,
      "another partner's activation does not exist",
    );
    const partner1 = await PortalClient.as(api, url, 'partner', w.p1.id);
    const a = (await api.as(null).post('/activations', { code: w.e1.code, fingerprint: fingerprint() })).body
      .activation;
    await partner1.get(`/portal/activations/${a.id}`);
    assert.equal(
      (await partner1.post(`/portal/activations/${a.id}/return`)).status,
      303,
      "its customer's partner returns it",
    );
    assert.equal((await partner1.post('/portal/activations/act_missing/return')).status, 404);
    assert.equal(
      (await new PortalClient(url).post(`/portal/activations/${w.a2.id}/return`)).status,
      403,
      'no session, no token: refused',
    );
    assert.equal((await api.get(`/activations/${w.a2.id}`)).body.state, 'active');
  });

  it('revokes for the producer only; the licence then validates as REVOKED', async () => {
    const { api, url } = server();
    const w = await world();
    const partner2 = await PortalClient.as(api, url, 'partner', w.p2.id);
    await partner2.get(`/portal/activations/${w.a2.id}`);
    assert.equal((await partner2.post(`/portal/activations/${w.a2.id}/revoke`)).status, 403);
    assert.equal((await api.get(`/activations/${w.a2.id}`)).body.state, 'active');
    const operator = await PortalClient.as(api, url, 'operator');
    const page = await operator.get(`/portal/activations/${w.a2.id}`);
    assert.match(page.html, /data-confirm="Revoke this licence for good\?/);
    const revoked = await operator.post(`/portal/activations/${w.a2.id}/revoke`);
    assert.equal(revoked.status, 303);
    assert.match(
      textOf((await operator.get(revoked.location ?? '')).html),
      /Revoked\. The licence validates as REVOKED/,
    );
    assert.equal(await used(w.e2.code, w.e2.entitlement.id), 0);
    const token = (await api.get(`/activations/${w.a2.id}/license`)).body.token;
    assert.equal((await api.as(null).post('/licenses/validate', { token })).body.code, 'REVOKED');
    assert.equal((await operator.post(`/portal/activations/${w.a2.id}/revoke`)).status, 409);
  });

  it('downloads the licence file as an attachment that verifies with the JWKS', async () => {
    const { api, url } = server();
    const w = await world();
    const customer1 = await PortalClient.as(api, url, 'customer', w.c1.id);
    const r = await customer1.get(`/portal/activations/${w.a1.id}/license`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(
      r.headers.get('content-disposition'),
      `attachment; filename="licence-${w.e1.code}-Design-workstation.lic"`,
    );
    assert.match(r.html, /-----BEGIN LICENTIA LICENSE-----/);
    assert.ok(
      r.html.includes(`licentia verify THIS_FILE --jwks ${url}/.well-known/jwks.json`),
      'the verify line names this server, not a placeholder',
    );
    assert.doesNotMatch(r.html, /LICENSING_SERVER/);
    const verdict = await verifyWithServerJwks(url, r.html, w.fp1);
    assert.equal(verdict.code, 'VALID', verdict.detail);
    assert.equal(verdict.claims?.jti, w.a1.id);
    assert.equal((await verifyWithServerJwks(url, r.html, 'another-machine')).code, 'FINGERPRINT_MISMATCH');
    assert.equal(
      r.html,
      (await api.get(`/activations/${w.a1.id}/license`)).body.file,
      'the same file as the API gives',
    );
  });

  it('shows an anonymous end customer its own devices and licences, and nothing else', async () => {
    const { api } = server();
    const w = await world();
    const anonymous = await anonymousCustomer(server(), w.p1.id, 'Walk-in shop 17');
    const own = await activatable(api, {
      soldTo: anonymous.accountId,
      fields: { channelPartners: [{ accountId: w.p1.id, tier: 'tier1' }] },
    });
    const mine = (
      await api
        .as(null)
        .post('/activations', { code: own.code, fingerprint: fingerprint(), deviceName: 'Front desk PC' })
    ).body.activation;
    const home = await anonymous.client.get('/portal');
    assert.equal(home.status, 200);
    assert.match(textOf(home.html), /Your licences.*Front desk PC/);
    assert.doesNotMatch(textOf(home.html), /Design workstation|Fabrikam/);
    assert.doesNotMatch(
      home.html,
      /href="\/portal\/entitlements/,
      'an anonymous end customer is not shown entitlements',
    );
    const detail = await anonymous.client.get(`/portal/activations/${mine.id}`);
    assert.equal(detail.status, 200);
    assert.doesNotMatch(detail.html, /href="\/portal\/entitlements/);
    assert.equal((await anonymous.client.get(`/portal/activations/${w.a1.id}`)).status, 404);
    assert.equal((await anonymous.client.get(`/portal/activations/${mine.id}/license`)).status, 200);
    assert.equal((await anonymous.client.post(`/portal/activations/${mine.id}/return`)).status, 303);
    assert.equal((await api.get(`/activations/${mine.id}`)).body.state, 'returned');
    assert.equal((await anonymous.client.get('/portal/reports')).status, 403);
  });
});
