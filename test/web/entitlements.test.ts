import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { account, apiKey, created, partner, product } from '../support/fixtures.ts';
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
import type { EntitlementBody } from '../../src/http/schemas/entities.ts';

const link = (id: string) => `href="/portal/entitlements/${encodeURIComponent(id)}"`;

describeEachBackend('portal: entitlements', (server) => {
  let w: PortalWorld;
  /** P's own (sold to P, P tier-1), P's customer's (P tier-1), D's, and Q's entitlements. */
  let ofP: EntitlementBody, ofC: EntitlementBody, ofD: EntitlementBody, ofQ: EntitlementBody;

  before(async () => {
    const { api, url } = server();
    w = await portalWorld(api, url);
    ofP = await entitlementFor(api, w.P.id, w.productId, { tier1: w.P.id, state: 'deployed' });
    ofC = await entitlementFor(api, w.C.id, w.productId, { tier1: w.P.id });
    ofD = await entitlementFor(api, w.D.id, w.productId, {
      state: 'deployed',
      fields: { shipToEmail: 'buyer@example.com' },
    });
    ofQ = await entitlementFor(api, w.QC.id, w.productId, { tier1: w.Q.id, state: 'deployed' });
  });

  it('lists what each role may see, with activation IDs, and no one else’s', async () => {
    const all = await w.admin.get('/portal/entitlements');
    assert.equal(all.status, 200);
    for (const e of [ofP, ofC, ofD, ofQ]) assert.ok(all.html.includes(link(e.id)), `admin sees ${e.id}`);
    assert.match(all.html, /New bulk entitlement/);
    assert.match(all.html, /New test bulk entitlement/);

    const partnerList = await w.partnerP.get('/portal/entitlements');
    assert.equal(partnerList.status, 200);
    for (const e of [ofP, ofC]) {
      assert.ok(partnerList.html.includes(link(e.id)), `partner sees ${e.id}`);
      assert.ok(
        partnerList.html.includes(`data-copy="${e.lineItems[0]!.activationId}"`),
        'with a copy button for its activation ID',
      );
    }
    for (const e of [ofD, ofQ]) {
      assert.ok(!partnerList.html.includes(e.id), `partner never sees ${e.id}`);
      assert.ok(!partnerList.html.includes(e.lineItems[0]!.activationId));
    }
    assert.ok(!partnerList.html.includes('New entitlement'), 'partners do not create entitlements');

    const customerList = await w.customerD.get('/portal/entitlements');
    assert.equal(customerList.status, 200);
    assert.ok(customerList.html.includes(ofD.lineItems[0]!.activationId), 'a customer sees its activation IDs');
    assert.ok(
      customerList.html.includes(
        `href="/portal/entitlements/${ofD.id}/email?activationId=${ofD.lineItems[0]!.activationId}"`,
      ),
    );
    for (const e of [ofP, ofC, ofQ]) assert.ok(!customerList.html.includes(e.id));

    const signedOut = await w.signedOut.get('/portal/entitlements?state=draft');
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.location, '/sign-in?next=%2Fportal%2Fentitlements%3Fstate%3Ddraft');
  });

  it('filters by state, kind, account and product, and refuses a bad filter', async () => {
    const { api } = server();
    const other = await product(api);
    const ofOther = await entitlementFor(api, w.D.id, other.id);
    const byAccount = await w.admin.get(`/portal/entitlements?account=${w.P.id}`);
    assert.ok(
      byAccount.html.includes(link(ofP.id)) && byAccount.html.includes(link(ofC.id)),
      'sold to P, or P a channel partner',
    );
    assert.ok(!byAccount.html.includes(link(ofD.id)) && !byAccount.html.includes(link(ofQ.id)));
    assert.match(textOf(byAccount.html), new RegExp(`Entitlements of ${w.P.name}`));
    const drafts = await w.admin.get('/portal/entitlements?state=draft');
    assert.ok(drafts.html.includes(link(ofC.id)) && !drafts.html.includes(link(ofP.id)));
    const byProduct = await w.admin.get(`/portal/entitlements?productId=${other.id}`);
    assert.ok(byProduct.html.includes(link(ofOther.id)) && !byProduct.html.includes(link(ofD.id)));
    const bulk = await w.admin.get(`/portal/entitlements?kind=bulk&account=${w.D.id}`);
    assert.match(textOf(bulk.html), /No entitlements match these filters\./);
    assert.equal((await w.admin.get('/portal/entitlements?state=sold')).status, 400);
    assert.equal((await w.admin.get('/portal/entitlements?cursor=nonsense')).status, 400);
    const partnerFiltered = await w.partnerP.get(`/portal/entitlements?account=${w.Q.id}`);
    assert.equal(partnerFiltered.status, 200);
    assert.ok(!partnerFiltered.html.includes(ofQ.id), 'filtering by another partner shows nothing of it');
  });

  it('pages through a long list with a cursor, keeping the filters', async () => {
    const { api } = server();
    const buyer = await account(api);
    const ids = new Set<string>();
    for (let i = 0; i < 52; i++) ids.add((await entitlementFor(api, buyer.id, w.productId)).id);
    const first = await w.admin.get(`/portal/entitlements?account=${buyer.id}`);
    const next = /href="(\/portal\/entitlements\?account=[^"]+&amp;cursor=[^"]+)" rel="next"/.exec(first.html)?.[1];
    assert.ok(next, 'a next page link');
    const second = await w.admin.get(next.replaceAll('&amp;', '&'));
    assert.equal(second.status, 200);
    const seen = (html: string) => [...ids].filter((id) => html.includes(link(id)));
    assert.equal(seen(first.html).length, 50);
    assert.equal(seen(second.html).length, 2);
    assert.equal(new Set([...seen(first.html), ...seen(second.html)]).size, 52);
    assert.match(second.html, /First page/);
  });

  it('shows an entitlement to whoever may see it, history to the producer only, and 404 to others', async () => {
    const path = `/portal/entitlements/${ofP.id}`;
    const admin = await w.admin.get(path);
    assert.equal(admin.status, 200);
    assert.match(textOf(admin.html), /History/);
    assert.match(textOf(admin.html), /entitlement\.state-changed/);
    assert.match(admin.html, /Suspend/);
    const operator = await w.operator.get(path);
    assert.equal(operator.status, 200);
    const own = await w.partnerP.get(path);
    assert.equal(own.status, 200);
    assert.ok(own.html.includes(ofP.lineItems[0]!.activationId));
    assert.doesNotMatch(textOf(own.html), /History|Suspend|Regenerate/);
    assert.equal((await w.partnerQ.get(path)).status, 404, "another partner's entitlement does not exist for it");
    assert.equal((await w.customerD.get(path)).status, 404);
    assert.equal((await w.customerC.get(path)).status, 404, "the partner's customer sees its own only");
    const customer = await w.customerD.get(`/portal/entitlements/${ofD.id}`);
    assert.equal(customer.status, 200);
    assert.doesNotMatch(textOf(customer.html), /History/);
    const signedOut = await w.signedOut.get(path);
    assert.equal(signedOut.status, 303);
    assert.match(signedOut.location ?? '', /^\/sign-in\?next=/);
    assert.equal((await w.admin.get('/portal/entitlements/no-such-thing')).status, 404);
  });

  it('creates a simple entitlement with line items and channel partners, dropping the rows left blank', async () => {
    const { api } = server();
    const form = await w.admin.get('/portal/entitlements/new?kind=simple&state=test');
    assert.equal(form.status, 200);
    assert.match(textOf(form.html), /New test entitlement/);
    assert.match(form.html, /name="\/lineItems\/2\/productId"/, 'several line item rows');
    assert.match(form.html, /name="\/channelPartners\/2\/accountId"/, 'several channel partner rows');
    const r = await w.admin.post('/portal/entitlements', {
      kind: 'simple',
      id: `PORTAL-${process.pid}`,
      state: 'test',
      soldTo: w.C.id,
      description: 'Order 77',
      shipToEmail: 'it@example.com',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.P.id,
      '/channelPartners/1/tier': 'tier2',
      '/channelPartners/1/accountId': '',
      '/channelPartners/2/tier': 'endCustomer',
      '/channelPartners/2/accountId': w.C.id,
      '/lineItems/0/productId': w.productId,
      '/lineItems/0/quantity': '4',
      '/lineItems/0/expirationDate': '2030-01-31',
      '/lineItems/1/productId': '',
      '/lineItems/1/quantity': '1',
      '/lineItems/2/productId': w.productId,
      '/lineItems/2/quantity': '2',
      '/lineItems/2/activationId': `code-${process.pid}-two`,
    });
    assert.equal(r.status, 303, textOf(r.html));
    assert.equal(r.location, `/portal/entitlements/PORTAL-${process.pid}`);
    const shown = await w.admin.get(r.location ?? '');
    assert.match(textOf(shown.html), new RegExp(`Entitlement PORTAL-${process.pid} created in test`));
    const e = await entitlementNow(api, `PORTAL-${process.pid}`);
    assert.equal(e.state, 'test');
    assert.equal(e.description, 'Order 77');
    assert.deepEqual(
      e.channelPartners.map((p) => [p.tier, p.accountId]),
      [
        ['tier1', w.P.id],
        ['endCustomer', w.C.id],
      ],
    );
    assert.deepEqual(
      e.lineItems.map((li) => [li.quantity, li.expirationDate]),
      [
        [4, '2030-01-31'],
        [2, null],
      ],
    );
    assert.equal(e.lineItems[1]!.activationId, `CODE-${process.pid}-TWO`);
  });

  it('shows what is wrong beside the fields of a new entitlement and creates nothing', async () => {
    const { api } = server();
    const count = async () => (await api.get(`/entitlements?account=${w.D.id}&limit=1000`)).body.items.length;
    const before = await count();
    await w.admin.get('/portal/entitlements/new');
    const base = {
      kind: 'simple',
      soldTo: w.D.id,
      '/lineItems/0/productId': w.productId,
      '/lineItems/0/quantity': '1',
    };
    const noSoldTo = await w.admin.post('/portal/entitlements', { ...base, soldTo: '' });
    assert.equal(noSoldTo.status, 400);
    assert.ok(errorBeside(noSoldTo.html, 'soldTo'), 'beside Sold to');
    // The second row filled in is the one refused, whichever row of the form it was typed in.
    const badQuantity = await w.admin.post('/portal/entitlements', {
      ...base,
      '/lineItems/2/productId': w.productId,
      '/lineItems/2/quantity': '0',
    });
    assert.equal(badQuantity.status, 400);
    assert.match(errorBeside(badQuantity.html, '/lineItems/1/quantity') ?? '', /Enter 1 or more/);
    assert.match(badQuantity.html, /name="\/lineItems\/1\/quantity"[^>]*value="0"/, 'what was typed is shown again');
    const unknownProduct = await w.admin.post('/portal/entitlements', {
      ...base,
      '/lineItems/0/productId': 'prd_missing',
    });
    assert.equal(unknownProduct.status, 422);
    assert.match(errorBeside(unknownProduct.html, '/lineItems/0/productId') ?? '', /does not exist/);
    const customerAsTier1 = await w.admin.post('/portal/entitlements', {
      ...base,
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.D.id,
    });
    assert.equal(customerAsTier1.status, 422);
    assert.match(errorBeside(customerAsTier1.html, '/channelPartners/0/accountId') ?? '', /not a partner account/);
    const badDates = await w.admin.post('/portal/entitlements', {
      ...base,
      '/lineItems/0/startDate': '2030-01-02',
      '/lineItems/0/expirationDate': '2030-01-01',
    });
    assert.equal(badDates.status, 400);
    assert.ok(errorBeside(badDates.html, '/lineItems/0/expirationDate'));
    const taken = await w.admin.post('/portal/entitlements', { ...base, id: ofD.id });
    assert.equal(taken.status, 409);
    assert.match(errorBeside(taken.html, 'id') ?? '', /already exists/);
    assert.equal(await count(), before, 'nothing was created');
    const partnerTry = await w.partnerP.get('/portal/entitlements/new');
    assert.equal(partnerTry.status, 403);
    await w.partnerP.get('/portal/entitlements');
    assert.equal((await w.partnerP.post('/portal/entitlements', { ...base, soldTo: w.C.id })).status, 403);
    assert.equal((await w.admin.get('/portal/entitlements/new?kind=other')).status, 400);
  });

  it('offers more line item rows: a fragment for htmx, the same form with one more row without scripts', async () => {
    await w.admin.get('/portal/entitlements/new');
    const fragment = await w.admin.request('GET', '/portal/entitlements/new/line-item?index=3', undefined, undefined, {
      'hx-request': 'true',
    });
    assert.equal(fragment.status, 200);
    assert.ok(!fragment.html.startsWith('<!doctype'), 'only the row');
    assert.match(fragment.html, /name="\/lineItems\/3\/productId"/);
    assert.match(fragment.html, /hx-get="\/portal\/entitlements\/new\/line-item\?index=4"/);
    const opened = await w.admin.get('/portal/entitlements/new/line-item?index=3');
    assert.equal(opened.status, 303);
    assert.equal(opened.location, '/portal/entitlements/new?lines=4');
    assert.match((await w.admin.get(opened.location ?? '')).html, /name="\/lineItems\/3\/productId"/);
    const more = await w.admin.post('/portal/entitlements/new/more-lines', {
      kind: 'simple',
      description: 'kept',
      '/lineItems/0/quantity': '7',
    });
    assert.equal(more.status, 200);
    assert.match(more.html, /name="\/lineItems\/3\/productId"/);
    assert.match(more.html, />kept<\/textarea>/);
    assert.match(more.html, /name="\/lineItems\/0\/quantity"[^>]*value="7"/);
  });

  it('creates a bulk entitlement whose tier-1 partner is its end customer, with a registration policy', async () => {
    const { api } = server();
    const form = await w.admin.get('/portal/entitlements/new?kind=bulk');
    assert.match(textOf(form.html), /\{key\} is the key, \{bulk\} this bulk entitlement's ID, \{seq\}/);
    assert.match(textOf(form.html), /also records as the end customer/);
    const r = await w.admin.post('/portal/entitlements', {
      kind: 'bulk',
      state: 'draft',
      productId: w.productId,
      quantityPerKey: '2',
      entitlementIdPattern: '{bulk}-{seq}',
      keyPrefix: 'NW',
      '/registration/policy': 'optional',
      '/registration/fields': ['name', 'email'],
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.P.id,
      '/channelPartners/1/tier': 'tier2',
      '/channelPartners/1/accountId': '',
    });
    assert.equal(r.status, 303, textOf(r.html));
    const id = decodeURIComponent((r.location ?? '').split('/').pop() ?? '');
    const e = await entitlementNow(api, id);
    assert.equal(e.kind, 'bulk');
    assert.equal(e.quantityPerKey, 2);
    assert.equal(e.entitlementIdPattern, '{bulk}-{seq}');
    assert.equal(e.keyPrefix, 'NW');
    assert.deepEqual(e.registration, { policy: 'optional', fields: ['name', 'email'] });
    assert.deepEqual(
      e.channelPartners.map((p) => [p.tier, p.accountId]),
      [
        ['tier1', w.P.id],
        ['endCustomer', w.P.id],
      ],
    );
    const none = await w.admin.post('/portal/entitlements', {
      kind: 'bulk',
      productId: w.productId,
      '/registration/policy': 'none',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.P.id,
    });
    assert.equal(none.status, 303, textOf(none.html));
  });

  it('refuses a bad bulk entitlement beside its fields', async () => {
    const { api } = server();
    const before = (await api.get('/entitlements?kind=bulk&limit=1000')).body.items.length;
    await w.admin.get('/portal/entitlements/new?kind=bulk');
    const base = {
      kind: 'bulk',
      productId: w.productId,
      '/registration/policy': 'none',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.P.id,
    };
    const pattern = await w.admin.post('/portal/entitlements', { ...base, entitlementIdPattern: 'STOCK' });
    assert.equal(pattern.status, 400);
    assert.match(errorBeside(pattern.html, 'entitlementIdPattern') ?? '', /must contain \{key\} or \{seq\}/);
    const noFields = await w.admin.post('/portal/entitlements', { ...base, '/registration/policy': 'required' });
    assert.equal(noFields.status, 400);
    assert.match(errorBeside(noFields.html, '/registration/fields') ?? '', /names the fields it asks for/);
    const customer = await w.admin.post('/portal/entitlements', { ...base, '/channelPartners/0/accountId': w.D.id });
    assert.equal(customer.status, 422);
    assert.ok(errorBeside(customer.html, '/channelPartners/0/accountId'));
    const nobody = await w.admin.post('/portal/entitlements', { ...base, '/channelPartners/0/accountId': '' });
    assert.equal(nobody.status, 400);
    assert.match(textOf(nobody.html), /Please correct the fields marked below/);
    const prefix = await w.admin.post('/portal/entitlements', { ...base, keyPrefix: 'no-lower' });
    assert.equal(prefix.status, 400);
    assert.ok(errorBeside(prefix.html, 'keyPrefix'));
    assert.equal((await api.get('/entitlements?kind=bulk&limit=1000')).body.items.length, before);
  });

  it('offers the state moves of the domain table and shows a refused move, changing nothing', async () => {
    const { api } = server();
    const draft = await entitlementFor(api, w.D.id, w.productId);
    const path = `/portal/entitlements/${draft.id}`;
    const page = await w.admin.get(path);
    const moves = [...page.html.matchAll(/name="state" value="([a-z]+)"/g)].map((m) => m[1]);
    assert.deepEqual(moves, ['test', 'deployed', 'obsolete'], 'the moves from draft');
    assert.match(page.html, /data-confirm="Make this entitlement obsolete\?/);
    const events = await eventsOf(api, draft.id);
    const refused = await w.admin.post(`${path}/state`, { state: 'inactive' });
    assert.equal(refused.status, 409);
    assert.match(textOf(refused.html), /is draft; it can move to test, deployed, obsolete, not inactive/);
    const bogus = await w.admin.post(`${path}/state`, { state: 'sold' });
    assert.equal(bogus.status, 400);
    assert.match(textOf(bogus.html), /That was refused \(state\)\. Choose one of: draft, test, deployed/);
    assert.equal((await entitlementNow(api, draft.id)).state, 'draft');
    assert.deepEqual(await eventsOf(api, draft.id), events, 'no event either');
    await w.partnerP.get('/portal/entitlements');
    assert.equal((await w.partnerP.post(`/portal/entitlements/${ofP.id}/state`, { state: 'inactive' })).status, 403);
    assert.equal((await w.partnerQ.post(`/portal/entitlements/${ofP.id}/state`, { state: 'inactive' })).status, 403);
    const deployed = await w.operator.post(`${path}/state`, { state: 'deployed' });
    assert.equal(deployed.status, 303);
    assert.match(
      textOf((await w.operator.get(deployed.location ?? '')).html),
      new RegExp(`Entitlement ${draft.id} is deployed now`),
    );
    const after = await w.admin.get(path);
    assert.deepEqual(
      [...after.html.matchAll(/name="state" value="([a-z]+)"/g)].map((m) => m[1]),
      ['inactive', 'obsolete'],
    );
    assert.doesNotMatch(after.html, /Regenerate IDs|>Edit<|>Delete</);
    const history = textOf(after.html.slice(after.html.indexOf('id="history"')));
    assert.match(history, /entitlement\.state-changed\s*Operator \d+/, 'the person who deployed it, by name');
    assert.match(history, /entitlement\.created\s*API key/, 'the key that created it');
    assert.doesNotMatch(history, /user:usr_/);
  });

  it('regenerates generated IDs of a draft, refuses it once deployed', async () => {
    const { api } = server();
    const draft = await entitlementFor(api, w.D.id, w.productId);
    await w.admin.get(`/portal/entitlements/${draft.id}`);
    const r = await w.admin.post(`/portal/entitlements/${draft.id}/regenerate-ids`);
    assert.equal(r.status, 303);
    const newId = decodeURIComponent((r.location ?? '').split('/').pop() ?? '');
    assert.notEqual(newId, draft.id);
    const now = await entitlementNow(api, newId);
    assert.notEqual(now.lineItems[0]!.activationId, draft.lineItems[0]!.activationId);
    assert.equal((await w.admin.get(`/portal/entitlements/${draft.id}`)).status, 404, 'the old ID is gone');
    const refused = await w.admin.post(`/portal/entitlements/${ofP.id}/regenerate-ids`);
    assert.equal(refused.status, 409);
    assert.match(textOf(refused.html), /regenerating IDs is possible in draft or test only/);
    assert.equal((await entitlementNow(api, ofP.id)).lineItems[0]!.activationId, ofP.lineItems[0]!.activationId);
  });

  it('edits a draft entitlement, clearing what is left blank, and refuses to edit a deployed one', async () => {
    const { api } = server();
    const draft = await entitlementFor(api, w.C.id, w.productId, {
      tier1: w.P.id,
      fields: { description: 'old', shipToEmail: 'old@example.com' },
    });
    const path = `/portal/entitlements/${draft.id}/edit`;
    const form = await w.admin.get(path);
    assert.equal(form.status, 200);
    assert.match(form.html, />old<\/textarea>/);
    assert.match(form.html, /value="old@example\.com"/);
    const bad = await w.admin.post(path, { soldTo: w.C.id, description: 'new', shipToEmail: 'not an email' });
    assert.equal(bad.status, 400);
    assert.ok(errorBeside(bad.html, 'shipToEmail'));
    assert.equal((await entitlementNow(api, draft.id)).description, 'old');
    const saved = await w.admin.post(path, {
      soldTo: w.C.id,
      description: 'new',
      shipToEmail: '',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': w.P.id,
      '/channelPartners/1/tier': 'endCustomer',
      '/channelPartners/1/accountId': w.C.id,
    });
    assert.equal(saved.status, 303, textOf(saved.html));
    const e = await entitlementNow(api, draft.id);
    assert.equal(e.description, 'new');
    assert.equal(e.shipToEmail, null);
    assert.deepEqual(
      e.channelPartners.map((p) => p.tier),
      ['tier1', 'endCustomer'],
    );
    const cleared = await w.admin.post(path, {
      soldTo: w.C.id,
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': '',
    });
    assert.equal(cleared.status, 303);
    assert.deepEqual((await entitlementNow(api, draft.id)).channelPartners, []);
    assert.equal((await w.admin.get(`/portal/entitlements/${ofP.id}/edit`)).status, 409);
    const late = await w.admin.post(`/portal/entitlements/${ofP.id}/edit`, { soldTo: w.P.id, description: 'x' });
    assert.equal(late.status, 409);
    assert.match(textOf(late.html), /editing is possible in draft or test only/);
    assert.equal((await entitlementNow(api, ofP.id)).description, null);
    assert.equal((await w.partnerP.get(`/portal/entitlements/${draft.id}/edit`)).status, 403);
  });

  it('edits a bulk entitlement: its pattern, registration and distributor', async () => {
    const { api } = server();
    const other = await partner(api);
    const { bulk } = await bulkWithKeys(api, { state: 'draft', partnerId: w.P.id, productId: w.productId });
    const path = `/portal/entitlements/${bulk.id}/edit`;
    await w.admin.get(path);
    const saved = await w.admin.post(path, {
      productId: w.productId,
      quantityPerKey: '3',
      entitlementIdPattern: 'NW-{key}',
      '/registration/policy': 'required',
      '/registration/fields': 'email',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': other.id,
    });
    assert.equal(saved.status, 303, textOf(saved.html));
    const e = await entitlementNow(api, bulk.id);
    assert.equal(e.quantityPerKey, 3);
    assert.deepEqual(e.registration, { policy: 'required', fields: ['email'] });
    assert.equal(e.soldTo, other.id);
    const noTier1 = await w.admin.post(path, {
      productId: w.productId,
      '/registration/policy': 'none',
      '/channelPartners/0/tier': 'tier1',
      '/channelPartners/0/accountId': '',
    });
    assert.equal(noTier1.status, 400);
    assert.match(textOf(noTier1.html), /needs a tier1 partner/);
    assert.equal((await entitlementNow(api, bulk.id)).soldTo, other.id);
  });

  it('deletes a draft after asking, and refuses to delete a deployed one', async () => {
    const { api } = server();
    const draft = await entitlementFor(api, w.D.id, w.productId);
    const page = await w.admin.get(`/portal/entitlements/${draft.id}`);
    assert.match(
      page.html,
      new RegExp(
        `action="/portal/entitlements/${draft.id}/delete" class="inline-form" data-confirm="Delete entitlement`,
      ),
    );
    const refused = await w.admin.post(`/portal/entitlements/${ofD.id}/delete`);
    assert.equal(refused.status, 409);
    assert.equal((await api.get(`/entitlements/${ofD.id}`)).status, 200);
    assert.equal((await w.partnerP.post(`/portal/entitlements/${ofC.id}/delete`)).status, 403);
    const r = await w.admin.post(`/portal/entitlements/${draft.id}/delete`);
    assert.equal(r.status, 303);
    assert.equal(r.location, '/portal/entitlements');
    assert.match(
      textOf((await w.admin.get('/portal/entitlements')).html),
      new RegExp(`Entitlement ${draft.id} is deleted`),
    );
    assert.equal((await api.get(`/entitlements/${draft.id}`)).status, 404);
  });

  it('adds a line item to a draft, with refusals beside the fields, and none once deployed', async () => {
    const { api } = server();
    const draft = await entitlementFor(api, w.D.id, w.productId);
    const path = `/portal/entitlements/${draft.id}`;
    const page = await w.admin.get(path);
    assert.match(textOf(page.html), /Add a line item/);
    const zero = await w.admin.post(`${path}/line-items`, { productId: w.productId, quantity: '0' });
    assert.equal(zero.status, 400);
    assert.ok(errorBeside(zero.html, 'quantity'));
    const missing = await w.admin.post(`${path}/line-items`, { productId: 'prd_missing', quantity: '2' });
    assert.equal(missing.status, 422);
    assert.ok(errorBeside(missing.html, 'productId'));
    const taken = await w.admin.post(`${path}/line-items`, {
      productId: w.productId,
      quantity: '2',
      activationId: ofD.lineItems[0]!.activationId,
    });
    assert.equal(taken.status, 409);
    assert.ok(errorBeside(taken.html, 'activationId'));
    assert.equal((await entitlementNow(api, draft.id)).lineItems.length, 1);
    const added = await w.admin.post(`${path}/line-items`, {
      productId: w.productId,
      quantity: '6',
      expirationDate: '2031-12-31',
    });
    assert.equal(added.status, 303);
    const e = await entitlementNow(api, draft.id);
    assert.equal(e.lineItems.length, 2);
    assert.equal(e.lineItems[1]!.quantity, 6);
    assert.match(
      textOf((await w.admin.get(added.location ?? '')).html),
      new RegExp(`Line item ${e.lineItems[1]!.activationId} added`),
    );
    const deployedPage = await w.admin.get(`/portal/entitlements/${ofD.id}`);
    assert.doesNotMatch(textOf(deployedPage.html), /Add a line item/);
    const late = await w.admin.post(`/portal/entitlements/${ofD.id}/line-items`, {
      productId: w.productId,
      quantity: '1',
    });
    assert.equal(late.status, 409);
    assert.equal((await entitlementNow(api, ofD.id)).lineItems.length, 1);
  });

  it('shows a bulk entitlement with its key counts and keys page, and the entitlement a key became', async () => {
    const { api } = server();
    const { bulk, keys } = await bulkWithKeys(api, { generate: 3, partnerId: w.P.id, productId: w.productId });
    const partnerKey = await apiKey(api, 'partner', w.P.id);
    const redeemed = await created(
      api.as(partnerKey).post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Corner shop' }),
    );
    const page = await w.partnerP.get(`/portal/entitlements/${bulk.id}`);
    assert.equal(page.status, 200);
    const text = textOf(page.html);
    assert.match(text, /3 Keys 2 Unredeemed 1 Redeemed 0 Void/);
    assert.ok(page.html.includes(`href="/portal/entitlements/${bulk.id}/keys"`), 'the keys page');
    assert.equal((await w.partnerQ.get(`/portal/entitlements/${bulk.id}`)).status, 404);
    const became = await w.partnerP.get(`/portal/entitlements/${redeemed.id}`);
    assert.equal(became.status, 200);
    assert.match(textOf(became.html), new RegExp(`Web register key ${keys[0]}`));
    assert.ok(became.html.includes(`href="/portal/entitlements/${bulk.id}"`), 'a link to its bulk entitlement');
  });

  it('downloads the activation IDs a partner or customer can see as CSV, with the filters of the list', async () => {
    const partnerCsv = await w.partnerP.get('/portal/entitlements.csv');
    assert.equal(partnerCsv.status, 200);
    assert.match(partnerCsv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(partnerCsv.headers.get('content-disposition') ?? '', /attachment; filename="activation-ids\.csv"/);
    const lines = partnerCsv.html.trim().split('\n');
    assert.equal(
      lines[0],
      'activationId,entitlementId,entitlementState,lineItemState,product,productVersion,quantity,activated,startDate,expirationDate,soldToId,soldTo',
    );
    assert.ok(partnerCsv.html.includes(`${ofP.lineItems[0]!.activationId},${ofP.id},deployed,deployed,`));
    assert.ok(partnerCsv.html.includes(ofC.lineItems[0]!.activationId));
    for (const e of [ofD, ofQ]) assert.ok(!partnerCsv.html.includes(e.lineItems[0]!.activationId), 'nothing of others');
    const deployedOnly = await w.partnerP.get('/portal/entitlements.csv?state=deployed');
    assert.ok(
      deployedOnly.html.includes(ofP.lineItems[0]!.activationId) &&
        !deployedOnly.html.includes(ofC.lineItems[0]!.activationId),
    );
    const customerCsv = await w.customerD.get('/portal/entitlements.csv');
    assert.ok(customerCsv.html.includes(ofD.lineItems[0]!.activationId));
    assert.ok(!customerCsv.html.includes(ofP.lineItems[0]!.activationId));
    assert.equal((await w.partnerP.get('/portal/entitlements.csv?state=sold')).status, 400);
    assert.equal((await w.signedOut.get('/portal/entitlements.csv')).status, 303);
    const list = await w.partnerP.get('/portal/entitlements?state=deployed');
    assert.ok(list.html.includes('href="/portal/entitlements.csv?state=deployed"'), 'the list links to its own CSV');
  });
});
