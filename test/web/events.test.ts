import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, created, partner, product, simpleEntitlement } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal: audit log', (server) => {
  const rows = (html: string) =>
    [...(html.split('>Events</h2>')[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => m[1] ?? '');

  it('lists changes newest first, with what changed and the full record', async () => {
    const { api, url } = server();
    const customer = await account(api, { name: 'Old Name Ltd' });
    await created(api.patch(`/accounts/${customer.id}`, { name: 'New Name Ltd' }), 200);
    const admin = await PortalClient.as(api, url, 'admin');
    const page = await admin.get(`/portal/events?subjectType=account&subjectId=${customer.id}`);
    assert.equal(page.status, 200);
    const [updated, made] = rows(page.html);
    assert.match(textOf(updated ?? ''), /account\.updated/);
    assert.match(
      updated ?? '',
      /<span class="change-field">name<\/span> <del class="change-before">Old Name Ltd<\/del><span aria-hidden="true"> → <\/span><ins class="change-after">New Name Ltd<\/ins>/,
    );
    assert.doesNotMatch(updated ?? '', /change-field">type</, 'fields that did not change are left out of the summary');
    assert.match(
      updated ?? '',
      /<details class="change-json"><summary>Full record<\/summary>[\s\S]*&quot;type&quot;: &quot;customer&quot;/,
    );
    assert.match(textOf(made ?? ''), /account\.created/);
    assert.match(textOf(updated ?? ''), /API key/, 'an API key is named as one');
    assert.equal(rows(page.html).length, 2);
  });

  it('filters by action, actor, entitlement, line item and dates', async () => {
    const { api, url } = server();
    const owner = await account(api);
    const prd = await product(api);
    const entitlement = await simpleEntitlement(api, { soldTo: owner.id, productId: prd.id });
    const other = await simpleEntitlement(api, { soldTo: owner.id, productId: prd.id });
    await created(api.post(`/entitlements/${entitlement.id}/line-items`, { productId: prd.id, quantity: 2 }));
    const operator = await PortalClient.as(api, url, 'operator');
    const actions = async (query: string) =>
      rows((await operator.get(`/portal/events?${query}`)).html).map((r) => /events\?action=([^"]+)"/.exec(r)?.[1]);
    assert.deepEqual(await actions(`entitlement=${other.id}`), ['entitlement.created']);
    assert.deepEqual(await actions(`entitlement=${entitlement.id}`), ['line-item.added', 'entitlement.created']);
    assert.deepEqual(await actions(`entitlement=${entitlement.id}&action=line-item.added`), ['line-item.added']);
    const made = await actions('action=entitlement.created');
    assert.ok(made.length >= 2 && made.every((a) => a === 'entitlement.created'), String(made));
    const bySystem = await actions('actor=system');
    assert.ok(bySystem.length > 0 && !bySystem.includes('entitlement.created'), String(bySystem));
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    assert.ok(
      (await actions(`from=${today}&to=${today}&entitlement=${entitlement.id}`)).length >= 2,
      'today, inclusive',
    );
    assert.deepEqual(await actions(`from=${tomorrow}&entitlement=${entitlement.id}`), []);
    assert.deepEqual(await actions(`to=${yesterday}&entitlement=${entitlement.id}`), []);
    const added = (await api.get(`/entitlements/${entitlement.id}`)).body.lineItems[1]!.activationId as string;
    assert.deepEqual(await actions(`lineItem=${added}`), ['line-item.added']);
  });

  it('reads like a person’s log: human IDs with links, field-level differences, pickers, no sign-ins on the dashboard', async () => {
    const { api, url } = server();
    const owner = await account(api);
    const distributor = await partner(api);
    const prd = await product(api);
    const entitlement = await simpleEntitlement(api, { soldTo: owner.id, productId: prd.id });
    await created(
      api.patch(`/entitlements/${entitlement.id}`, {
        channelPartners: [{ tier: 'tier1', accountId: distributor.id }],
      }),
      200,
    );
    const admin = await PortalClient.as(api, url, 'admin');
    const page = await admin.get(`/portal/events?entitlement=${entitlement.id}`);
    const [updated, made] = rows(page.html);
    assert.match(
      made ?? '',
      new RegExp(`<a href="/portal/entitlements/${entitlement.id}">${entitlement.id}</a>`),
      'the subject is the entitlement’s human ID, linked to it',
    );
    assert.doesNotMatch(textOf(made ?? ''), /ent_[0-9a-f]/, 'no internal key is shown');
    assert.match(textOf(made ?? ''), /Entitlement · its events/);
    // A list of records differs field by field, not as a JSON dump.
    assert.match(
      updated ?? '',
      new RegExp(
        `<span class="change-field">channelPartners\\[1\\]\\.accountId</span> <ins class="change-after">${distributor.id}</ins>`,
      ),
    );
    await created(api.post(`/entitlements/${entitlement.id}/line-items`, { productId: prd.id, quantity: 2 }));
    const line = (await api.get(`/entitlements/${entitlement.id}`)).body.lineItems[1]!.activationId as string;
    const lineEvents = await admin.get(`/portal/events?lineItem=${line}`);
    assert.match(rows(lineEvents.html)[0] ?? '', new RegExp(`<a href="/portal/line-items/${line}">${line}</a>`));

    const filters = await admin.get('/portal/events');
    assert.match(filters.html, /<select[^>]*name="action"[^>]*>[\s\S]*?<option value="entitlement.state-changed">/);
    const me = (await api.get('/users?limit=1000')).body.items.find((u: { role: string }) => u.role === 'admin');
    assert.match(filters.html, new RegExp(`<select[^>]*name="actor"[^>]*>[\\s\\S]*?<option value="user:${me!.id}">`));
    assert.match(filters.html, /<option value="system">The licentia command<\/option>/);
    assert.match(filters.html, /<select[^>]*name="subjectType"/);

    // Signing in is recorded, but the dashboard's recent changes are changes.
    const log = await admin.get('/portal/events?action=session.created');
    assert.ok(rows(log.html).length > 0, 'sign-ins are in the audit log');
    const home = await admin.get('/portal');
    const recent = home.html.split('>Recent changes</h2>')[1] ?? '';
    assert.ok(recent.includes('entitlement.updated') || recent.includes('account.created'), 'changes are listed');
    assert.doesNotMatch(recent, /session\.created|session\.ended|sign-in-link\.used/);
  });

  it('says beside the field when a filter names nothing, and is for the producer only', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const missing = await admin.get('/portal/events?entitlement=NO-SUCH-ENTITLEMENT');
    assert.equal(missing.status, 404);
    assert.match(
      missing.html,
      /class="field field-invalid"><label for="f-entitlement">Entitlement[\s\S]*?Entitlement NO-SUCH-ENTITLEMENT was not found\./,
    );
    assert.match(missing.html, /value="NO-SUCH-ENTITLEMENT"/);
    const missingLine = await admin.get('/portal/events?lineItem=NOPE-NOPE');
    assert.equal(missingLine.status, 404);
    assert.match(missingLine.html, /class="field field-invalid"><label for="f-lineItem">Line item/);
    const badDate = await admin.get('/portal/events?from=2026-02-30x');
    assert.equal(badDate.status, 400);
    assert.match(badDate.html, /class="field field-invalid"><label for="f-from">From/);
    assert.equal((await admin.get('/portal/events?cursor=nope')).status, 400);

    const p = await partner(api);
    const partnerClient = await PortalClient.as(api, url, 'partner', p.id);
    assert.equal((await partnerClient.get('/portal/events')).status, 403);
    const c = await account(api, { parentAccountId: p.id });
    assert.equal((await (await PortalClient.as(api, url, 'customer', c.id)).get('/portal/events')).status, 403);
    assert.equal((await new PortalClient(url).get('/portal/events')).location, '/sign-in?next=%2Fportal%2Fevents');
  });
});
