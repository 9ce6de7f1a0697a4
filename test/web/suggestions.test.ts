import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { account, partner } from '../support/fixtures.ts';
import { type PortalWorld, portalWorld } from '../support/portal-world.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The `<option>`s of a suggestions answer, as [value, label] pairs. */
function options(html: string): [string, string][] {
  return [...html.matchAll(/<option value="([^"]+)">([^<]*)<\/option>/g)].map((m) => [m[1] ?? '', m[2] ?? '']);
}

describeEachBackend('portal: pickers too long to list suggest records by name', (server) => {
  let w: PortalWorld;
  let zebra: { id: string };
  let zebraPartner: { id: string };
  let zebraOfP: { id: string };

  before(async () => {
    const { api, url } = server();
    w = await portalWorld(api, url);
    // More accounts than a select lists (500), so the pickers become fields with suggestions.
    for (let i = 0; i < 500; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => account(api, { name: `Filler ${i + j}` })));
    zebra = await account(api, { name: 'Zebra Logistics GmbH' });
    zebraPartner = await partner(api, { name: 'Zebra Distribution' });
    zebraOfP = await account(api, { name: 'Zebra Retail', parentAccountId: w.P.id });
  });

  it('turns the account pickers of the entitlement form into fields that ask for suggestions', async () => {
    const form = await w.admin.get('/portal/entitlements/new');
    assert.equal(form.status, 200);
    const soldTo = /<input[^>]*name="soldTo"[^>]*>/.exec(form.html)?.[0] ?? '';
    assert.match(soldTo, /list="f-soldTo-choices"/);
    assert.match(soldTo, /hx-get="\/portal\/suggestions\/accounts"/);
    assert.match(soldTo, /hx-vals="\{&quot;field&quot;:&quot;soldTo&quot;\}"/);
    assert.match(form.html, /<datalist id="f-soldTo-choices"><\/datalist>/);
    // A channel partner row may be of any tier, and its end customer any account: its account too
    // asks for suggestions once the accounts are too many to list.
    const bulk = await w.admin.get('/portal/entitlements/new?kind=bulk');
    const distributor = /<input[^>]*name="\/channelPartners\/0\/accountId"[^>]*>/.exec(bulk.html)?.[0] ?? '';
    assert.match(distributor, /hx-get="\/portal\/suggestions\/accounts"/);
    assert.doesNotMatch(bulk.html, /<select[^>]*name="\/channelPartners\/0\/accountId"/);
  });

  it('suggests the accounts named like what was typed, within the filter', async () => {
    const all = options((await w.admin.get('/portal/suggestions/accounts?field=soldTo&soldTo=zebra')).html);
    assert.deepEqual(all.map(([id]) => id).sort(), [zebra.id, zebraPartner.id, zebraOfP.id].sort());
    assert.ok(all.some(([id, label]) => id === zebraPartner.id && label === 'Zebra Distribution (partner)'));
    const partners = options(
      (
        await w.admin.get(
          '/portal/suggestions/accounts?field=%2FchannelPartners%2F0%2FaccountId&type=partner&%2FchannelPartners%2F0%2FaccountId=Zebra',
        )
      ).html,
    );
    assert.deepEqual(
      partners.map(([id]) => id),
      [zebraPartner.id],
    );
    assert.deepEqual(
      options((await w.admin.get('/portal/suggestions/accounts?field=soldTo&soldTo=z')).html),
      [],
      'one letter asks for nothing',
    );
    assert.deepEqual(
      options((await w.admin.get('/portal/suggestions/accounts?field=soldTo&soldTo=nobody%20like%20this')).html),
      [],
    );
  });

  it('suggests to a partner only its own accounts and its customers', async () => {
    const seen = options((await w.partnerP.get('/portal/suggestions/accounts?field=accountId&accountId=zebra')).html);
    assert.deepEqual(
      seen.map(([id]) => id),
      [zebraOfP.id],
    );
    assert.deepEqual(
      options((await w.partnerQ.get('/portal/suggestions/accounts?field=accountId&accountId=zebra')).html),
      [],
    );
  });

  it('suggests products by name', async () => {
    const { api } = server();
    const named = (
      await api.post('/products', {
        name: 'Quokka Studio',
        version: '3.1',
        licenseModelId: (await api.get(`/products/${w.productId}`)).body.licenseModelId,
      })
    ).body;
    const found = options(
      (
        await w.admin.get(
          '/portal/suggestions/products?field=%2FlineItems%2F0%2FproductId&%2FlineItems%2F0%2FproductId=quokka',
        )
      ).html,
    );
    assert.deepEqual(found, [[named.id, 'Quokka Studio 3.1']]);
  });

  it('refuses a bad request with 400 and a signed-out one with the sign-in page', async () => {
    assert.equal((await w.admin.get('/portal/suggestions/accounts')).status, 400, 'no field');
    assert.equal((await w.admin.get('/portal/suggestions/accounts?field=a%20b&a%20b=zebra')).status, 400);
    assert.equal(
      (await w.admin.get('/portal/suggestions/accounts?field=soldTo&type=reseller&soldTo=zebra')).status,
      400,
    );
    assert.equal(
      (await w.admin.get(`/portal/suggestions/accounts?field=soldTo&soldTo=${'z'.repeat(201)}`)).status,
      400,
    );
    const signedOut = await w.signedOut.get('/portal/suggestions/accounts?field=soldTo&soldTo=zebra');
    assert.equal(signedOut.status, 303);
    assert.match(signedOut.location ?? '', /^\/sign-in/);
  });
});
