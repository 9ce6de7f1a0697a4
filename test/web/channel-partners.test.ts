import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { unique } from '../support/fixtures.ts';
import { textOf } from '../support/portal-client.ts';
import { type PortalWorld, entitlementNow, errorBeside, portalWorld } from '../support/portal-world.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The value a form's select or text input named `name` shows. */
function shown(html: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const select = new RegExp(`<select[^>]*name="${escaped}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (select) return /<option value="([^"]*)" selected/.exec(select[1] ?? '')?.[1] ?? '';
  const input = new RegExp(`<input[^>]*name="${escaped}"[^>]*>`).exec(html)?.[0];
  // An empty value is rendered without the attribute.
  return input === undefined ? undefined : (/ value="([^"]*)"/.exec(input)?.[1] ?? '');
}

describeEachBackend('portal: the channel-partner step of the entitlement forms', (server) => {
  let w: PortalWorld;
  before(async () => {
    w = await portalWorld(server().api, server().url);
  });

  it('creates an account and a contact in place, keeps every typed value, and creates the entitlement with them', async () => {
    const { api } = server();
    await w.admin.get('/portal/entitlements/new?kind=simple');
    const typed = {
      kind: 'simple',
      state: 'draft',
      soldTo: w.D.id,
      description: 'Order 4711',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.P.id,
      '/channelPartners/1/tier': 'tier2',
      '/channelPartners/1/accountId': '',
      '/channelPartners/2/tier': 'endCustomer',
      '/channelPartners/2/accountId': '',
      '/lineItems/0/productId': w.productId,
      '/lineItems/0/quantity': '3',
    };
    const name = unique('Reseller in place');
    const madeAccount = await w.admin.post('/portal/entitlements/new/partner', {
      ...typed,
      _make: 'account/1',
      '_new/1/accountName': name,
      '_new/1/accountType': 'partner',
    });
    assert.equal(madeAccount.status, 200, textOf(madeAccount.html));
    const reseller = (await api.get(`/accounts?name=${encodeURIComponent(name)}`)).body.items[0];
    assert.equal(reseller?.type, 'partner');
    assert.match(textOf(madeAccount.html), new RegExp(`Account ${name} is created and chosen for channel partner 2`));
    assert.equal(shown(madeAccount.html, '/channelPartners/1/accountId'), reseller.id, 'chosen in its row');
    assert.equal(shown(madeAccount.html, '/channelPartners/0/accountId'), w.P.id, 'the other rows as typed');
    assert.equal(shown(madeAccount.html, 'soldTo'), w.D.id);
    assert.equal(shown(madeAccount.html, '/lineItems/0/quantity'), '3');
    assert.match(madeAccount.html, />Order 4711<\/textarea>/);
    assert.equal(shown(madeAccount.html, '_new/1/accountName'), '', 'the in-place field is emptied once used');

    const withAccount = { ...typed, '/channelPartners/1/accountId': reseller.id };
    const madeContact = await w.admin.post('/portal/entitlements/new/partner', {
      ...withAccount,
      _make: 'contact/1',
      '_new/1/contactName': 'Rita Reseller',
      '_new/1/contactEmail': 'rita@example.com',
    });
    assert.equal(madeContact.status, 200, textOf(madeContact.html));
    const contact = (await api.get(`/accounts/${reseller.id}/contacts`)).body.items[0];
    assert.equal(contact?.email, 'rita@example.com');
    assert.equal(shown(madeContact.html, '/channelPartners/1/contactId'), contact.id);
    assert.match(madeContact.html, />Rita Reseller &lt;rita@example\.com/);

    const r = await w.admin.post('/portal/entitlements', {
      ...withAccount,
      '/channelPartners/1/contactId': contact.id,
      '_new/1/contactName': '',
    });
    assert.equal(r.status, 303, textOf(r.html));
    const e = await entitlementNow(api, decodeURIComponent((r.location ?? '').split('/').pop() ?? ''));
    assert.deepEqual(
      e.channelPartners.map((p) => [p.tier, p.accountId, p.contactId]),
      [
        ['tier1', w.P.id, null],
        ['tier2', reseller.id, contact.id],
      ],
    );
    assert.equal(e.description, 'Order 4711');
  });

  it('refuses an in-place contact beside its fields, creates nothing and keeps the form', async () => {
    const { api } = server();
    await w.admin.get('/portal/entitlements/new?kind=bulk');
    const typed = {
      kind: 'bulk',
      productId: w.productId,
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': '',
      description: 'kept too',
    };
    const noAccount = await w.admin.post('/portal/entitlements/new/partner', {
      ...typed,
      _make: 'contact/0',
      '_new/0/contactName': 'Nobody',
      '_new/0/contactEmail': 'nobody@example.com',
    });
    assert.equal(noAccount.status, 400);
    assert.match(errorBeside(noAccount.html, '_new/0/contactName') ?? '', /Choose the account/);
    assert.match(noAccount.html, />kept too<\/textarea>/);
    const badEmail = await w.admin.post('/portal/entitlements/new/partner', {
      ...typed,
      '/channelPartners/0/accountId': w.Q.id,
      _make: 'contact/0',
      '_new/0/contactName': 'Quentin',
      '_new/0/contactEmail': 'not an address',
    });
    assert.equal(badEmail.status, 400);
    assert.ok(errorBeside(badEmail.html, '_new/0/contactEmail'));
    assert.equal(shown(badEmail.html, '_new/0/contactName'), 'Quentin', 'what was typed stays');
    assert.equal((await api.get(`/accounts/${w.Q.id}/contacts`)).body.items.length, 0);
    const anonymous = await w.admin.post('/portal/entitlements/new/partner', {
      ...typed,
      '/channelPartners/0/accountId': w.A.id,
      _make: 'contact/0',
      '_new/0/contactName': 'Anne',
      '_new/0/contactEmail': 'anne@example.com',
    });
    assert.equal(anonymous.status, 422);
    assert.match(errorBeside(anonymous.html, '_new/0/contactName') ?? '', /anonymous/);
  });

  it('lists the chosen account’s contacts for its row, and a bulk end customer’s contact is of the tier-1 partner', async () => {
    const { api } = server();
    const contact = (
      await api.post(`/accounts/${w.P.id}/contacts`, { name: 'Paula Partner', email: 'paula@example.com' })
    ).body;
    await w.admin.get('/portal/entitlements/new?kind=bulk');
    const slot = await w.admin.request(
      'GET',
      `/portal/entitlements/partner-contact?index=2&${encodeURIComponent('/channelPartners/2/accountId')}=${w.P.id}`,
      undefined,
      undefined,
      { 'hx-request': 'true' },
    );
    assert.equal(slot.status, 200);
    assert.match(slot.html, /name="\/channelPartners\/2\/contactId"/);
    assert.match(slot.html, new RegExp(`<option value="${contact.id}"[^>]*>Paula Partner`));
    assert.doesNotMatch(slot.html, /<html/, 'only the field');

    const r = await w.admin.post('/portal/entitlements', {
      kind: 'bulk',
      productId: w.productId,
      '/registration/policy': 'none',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.P.id,
      '/channelPartners/1/tier': 'tier2',
      '/channelPartners/1/accountId': '',
      '/channelPartners/2/tier': 'endCustomer',
      '/channelPartners/2/accountId': '',
      '/channelPartners/2/contactId': contact.id,
    });
    assert.equal(r.status, 303, textOf(r.html));
    const e = await entitlementNow(api, decodeURIComponent((r.location ?? '').split('/').pop() ?? ''));
    assert.deepEqual(
      e.channelPartners.map((p) => [p.tier, p.accountId, p.contactId]),
      [
        ['tier1', w.P.id, null],
        ['endCustomer', w.P.id, contact.id],
      ],
    );
    const edit = await w.admin.get(`/portal/entitlements/${encodeURIComponent(e.id)}/edit`);
    assert.equal(shown(edit.html, '/channelPartners/1/contactId'), contact.id, 'the end customer’s contact is shown');
  });

  it('says truthfully who sees the description: the partners do', async () => {
    const { api } = server();
    const form = await w.admin.get('/portal/entitlements/new?kind=bulk');
    assert.match(
      textOf(form.html),
      /Shown with the entitlement to everyone who may see it: the account it is sold to and its channel partners/,
    );
    assert.doesNotMatch(textOf(form.html), /For your staff/);
    const bulk = (
      await api.post('/entitlements', {
        kind: 'bulk',
        productId: w.productId,
        description: 'PO 42 for the distributor',
        channelPartners: [{ tier: 'tier1', accountId: w.P.id }],
      })
    ).body;
    const seen = await w.partnerP.get(`/portal/entitlements/${encodeURIComponent(bulk.id)}`);
    assert.equal(seen.status, 200);
    assert.match(textOf(seen.html), /PO 42 for the distributor/, 'as the hint says, the partner sees it');
  });

  it('creates a contact in place on the edit form of a draft, and saves it with the entitlement', async () => {
    const { api } = server();
    const draft = (
      await api.post('/entitlements', {
        kind: 'simple',
        soldTo: w.D.id,
        description: 'before',
        channelPartners: [{ tier: 'tier1', accountId: w.Q.id }],
        lineItems: [{ productId: w.productId, quantity: 1 }],
      })
    ).body;
    const path = `/portal/entitlements/${encodeURIComponent(draft.id)}/edit`;
    await w.admin.get(path);
    const typed = {
      soldTo: w.D.id,
      description: 'after',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.Q.id,
    };
    const made = await w.admin.post(`${path}/partner`, {
      ...typed,
      _make: 'contact/0',
      '_new/0/contactName': 'Quinn',
      '_new/0/contactEmail': 'quinn@example.com',
    });
    assert.equal(made.status, 200, textOf(made.html));
    const quinn = (await api.get(`/accounts/${w.Q.id}/contacts`)).body.items.find(
      (c: { email: string }) => c.email === 'quinn@example.com',
    );
    assert.ok(quinn, 'the contact is created');
    assert.equal(shown(made.html, '/channelPartners/0/contactId'), quinn.id);
    assert.match(made.html, />after<\/textarea>/, 'the edit as typed stays');
    assert.equal((await entitlementNow(api, draft.id)).description, 'before', 'nothing saved yet');
    const saved = await w.admin.post(path, { ...typed, '/channelPartners/0/contactId': quinn.id });
    assert.equal(saved.status, 303, textOf(saved.html));
    const e = await entitlementNow(api, draft.id);
    assert.equal(e.description, 'after');
    assert.deepEqual(
      e.channelPartners.map((p) => [p.tier, p.accountId, p.contactId]),
      [['tier1', w.Q.id, quinn.id]],
    );
  });
});
