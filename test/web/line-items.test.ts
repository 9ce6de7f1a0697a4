import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { fingerprint } from '../support/activation-fixtures.ts';
import type { Api } from '../support/http.ts';
import { created, product, unique } from '../support/fixtures.ts';
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

const htmx = { 'hx-request': 'true' };

describeEachBackend('portal: line items and lifecycle operations', (server) => {
  let w: PortalWorld;

  before(async () => {
    const { api, url } = server();
    w = await portalWorld(api, url);
  });

  /** A deployed line item of P's (P tier-1), quantity 10, expiring 2030-12-31, with `active` devices activated. */
  async function stock(api: Api, options: { active?: number; soldTo?: string; productId?: string } = {}) {
    const productId = options.productId ?? w.productId;
    const e = await entitlementFor(api, options.soldTo ?? w.P.id, productId, {
      tier1: w.P.id,
      state: 'deployed',
      fields: { lineItems: [{ productId, quantity: 10, expirationDate: '2030-12-31' }] },
    });
    const code: string = e.lineItems[0]!.activationId;
    for (let i = 0; i < (options.active ?? 0); i++)
      await created(api.as(null).post('/activations', { code, fingerprint: fingerprint() }));
    return { entitlement: e, code, path: `/portal/line-items/${code}` };
  }

  /** The entitlement and its events, to show that a preview or a refusal left both as they were. */
  async function snapshot(api: Api, entitlementId: string) {
    return {
      entitlement: await entitlementNow(api, entitlementId),
      events: await eventsOf(api, entitlementId),
      all: (await api.get('/entitlements?limit=1000')).body.items.length,
    };
  }

  /** Sends a form the way htmx sends it: the CSRF token as a header, the answer a fragment. */
  async function htmxPost(client: PortalWorld['admin'], path: string, fields: Record<string, string>) {
    const body = new URLSearchParams(fields).toString();
    return client.request('POST', path, body, 'application/x-www-form-urlencoded', {
      ...htmx,
      'x-csrf-token': client.token ?? '',
    });
  }

  it('shows a line item, its activations and lineage to whoever may see it, history and operations by role', async () => {
    const { api } = server();
    const { path, code, entitlement } = await stock(api, { active: 2 });
    const admin = await w.admin.get(path);
    assert.equal(admin.status, 200);
    const text = textOf(admin.html);
    assert.match(text, /2 of 10 activated · 8 free/);
    assert.match(text, /came from no other/);
    assert.match(text, /History/);
    for (const op of ['transfer', 'split', 'renew', 'upsell', 'upgrade'])
      assert.ok(admin.html.includes(`href="${path}/${op}"`), op);
    assert.ok(admin.html.includes(`href="/portal/entitlements/${entitlement.id}"`));
    assert.ok(admin.html.includes(`href="/portal/entitlements/${entitlement.id}/email?activationId=${code}"`));
    assert.ok(admin.html.includes(`data-copy="${code}"`));
    assert.equal((await w.operator.get(path)).status, 200);
    const partner = await w.partnerP.get(path);
    assert.equal(partner.status, 200);
    assert.ok(partner.html.includes(`href="${path}/transfer"`) && partner.html.includes(`href="${path}/split"`));
    assert.ok(!partner.html.includes(`href="${path}/renew"`), 'renewals are the producer’s');
    assert.doesNotMatch(textOf(partner.html), /History/);
    assert.match(textOf(partner.html), /2 of 10 activated/);
    assert.equal((await w.partnerQ.get(path)).status, 404, "another partner's line item does not exist for it");
    assert.equal((await w.partnerQ.get(`${path}/transfer`)).status, 404);
    assert.equal((await w.customerD.get(path)).status, 404);
    const own = await stock(api, { soldTo: w.D.id });
    const customer = await w.customerD.get(own.path);
    assert.equal(customer.status, 200);
    assert.ok(!customer.html.includes(`href="${own.path}/transfer"`), 'a customer is offered no operations');
    assert.equal((await w.signedOut.get(path)).status, 303);
    assert.equal((await w.admin.get('/portal/line-items/NO-SUCH-CODE')).status, 404);
    const draft = await entitlementFor(api, w.D.id, w.productId);
    const draftPage = await w.admin.get(`/portal/line-items/${draft.lineItems[0]!.activationId}`);
    assert.equal(draftPage.status, 200);
    assert.ok(!draftPage.html.includes('/transfer"'), 'operations are for deployed line items');
  });

  it('previews a transfer without changing anything, then transfers with the activations', async () => {
    const { api } = server();
    const { path, code, entitlement } = await stock(api, { active: 1 });
    const form = await w.admin.get(`${path}/transfer`);
    assert.equal(form.status, 200);
    assert.ok(form.html.includes(`value="${w.D.id}"`), 'the producer may transfer to any account');
    assert.match(form.html, new RegExp(`hx-post="${path}/transfer/preview" hx-target="#preview"`));
    const before = await snapshot(api, entitlement.id);
    const fields = { accountId: w.D.id, activations: 'move' };
    const fragment = await htmxPost(w.admin, `${path}/transfer/preview`, fields);
    assert.equal(fragment.status, 200);
    assert.ok(!fragment.html.startsWith('<!doctype'), 'htmx gets the preview alone');
    const shown = textOf(fragment.html);
    assert.match(shown, /Nothing has changed yet/);
    assert.match(shown, new RegExp(`Owner ${w.P.name} → ${w.D.name}`));
    assert.match(shown, /This line item deployed → obsolete/);
    assert.match(shown, /Active count 1 → 1, moved with it/);
    const plain = await w.admin.post(`${path}/transfer/preview`, fields);
    assert.equal(plain.status, 200);
    assert.match(plain.html, /^<!doctype html>/);
    assert.match(textOf(plain.html), /Nothing has changed yet/);
    assert.match(plain.html, new RegExp(`<option value="${w.D.id}" selected`), 'the form keeps what was chosen');
    assert.deepEqual(await snapshot(api, entitlement.id), before, 'previews changed nothing');

    const done = await w.admin.post(`${path}/transfer`, fields);
    assert.equal(done.status, 303, textOf(done.html));
    const next = decodeURIComponent((done.location ?? '').split('/').pop() ?? '');
    assert.notEqual(next, code);
    const moved = await w.admin.get(done.location ?? '');
    const movedText = textOf(moved.html);
    assert.match(movedText, new RegExp(`Transferred to ${w.D.name}\\. The new activation ID is ${next}`));
    assert.match(movedText, /1 of 10 activated/);
    assert.match(movedText, new RegExp(`Came from ${code}`));
    const old = await w.admin.get(path);
    assert.match(textOf(old.html), /obsolete/);
    assert.ok(old.html.includes(`href="/portal/line-items/${next}"`), 'the old line item links to its successor');
    assert.match(textOf(old.html), /line-item\.transferred/);
  });

  it('shows a refused transfer on the form and in the preview, changing nothing', async () => {
    const { api } = server();
    const { path, entitlement } = await stock(api, { active: 1 });
    const draft = await entitlementFor(api, w.D.id, w.productId);
    const before = await snapshot(api, entitlement.id);
    await w.admin.get(`${path}/transfer`);
    const refused = await w.admin.post(`${path}/transfer`, { accountId: w.D.id, activations: 'require-returned' });
    assert.equal(refused.status, 409);
    assert.match(textOf(refused.html), /return those activations first/);
    const previewed = await htmxPost(w.admin, `${path}/transfer/preview`, {
      accountId: w.D.id,
      activations: 'require-returned',
    });
    assert.equal(previewed.status, 200, 'htmx swaps only a 2xx answer');
    assert.match(textOf(previewed.html), /This transfer would be refused\. 1 of its count is activated/);
    const plainPreview = await w.admin.post(`${path}/transfer/preview`, {
      accountId: 'acc_missing',
      activations: 'move',
    });
    assert.equal(plainPreview.status, 422, 'a page shows the status the change would get');
    assert.ok(errorBeside(plainPreview.html, 'accountId'));
    const noAccount = await w.admin.post(`${path}/transfer`, { activations: 'move' });
    assert.equal(noAccount.status, 400);
    assert.ok(errorBeside(noAccount.html, 'accountId'));
    const same = await w.admin.post(`${path}/transfer`, { accountId: w.P.id, activations: 'move' });
    assert.equal(same.status, 422);
    assert.match(textOf(same.html), /already belongs to that account/);
    const draftPath = `/portal/line-items/${draft.lineItems[0]!.activationId}`;
    const notDeployed = await w.admin.post(`${draftPath}/transfer`, { accountId: w.C.id, activations: 'move' });
    assert.equal(notDeployed.status, 409);
    assert.match(textOf(notDeployed.html), /A transfer works on deployed line items; its entitlement is draft/);
    assert.equal(
      (await w.admin.post('/portal/line-items/NO-SUCH-CODE/transfer', { accountId: w.C.id, activations: 'move' }))
        .status,
      404,
    );
    assert.deepEqual(await snapshot(api, entitlement.id), before);
    assert.equal((await entitlementNow(api, draft.id)).lineItems[0]!.state, 'draft');
    const forged = await w.admin.post(
      `${path}/transfer/preview`,
      { accountId: w.D.id, activations: 'move' },
      { token: null },
    );
    assert.equal(forged.status, 403, 'a preview is a post like any other: it needs the token');
  });

  it('lets a partner transfer to its own customers only', async () => {
    const { api } = server();
    const { path, entitlement } = await stock(api);
    const form = await w.partnerP.get(`${path}/transfer`);
    assert.equal(form.status, 200);
    assert.ok(form.html.includes(`value="${w.C.id}"`), 'its customer is offered');
    for (const other of [w.D, w.QC, w.Q]) assert.ok(!form.html.includes(other.id), 'no one else is');
    const before = await snapshot(api, entitlement.id);
    for (const other of [w.D, w.QC]) {
      const refused = await w.partnerP.post(`${path}/transfer`, { accountId: other.id, activations: 'move' });
      assert.equal(refused.status, 422);
      assert.match(errorBeside(refused.html, 'accountId') ?? '', /does not exist/);
    }
    assert.deepEqual(await snapshot(api, entitlement.id), before);
    assert.equal((await w.partnerQ.post(`${path}/transfer`, { accountId: w.QC.id, activations: 'move' })).status, 404);
    const done = await w.partnerP.post(`${path}/transfer`, { accountId: w.C.id, activations: 'move' });
    assert.equal(done.status, 303, textOf(done.html));
    const page = await w.partnerP.get(done.location ?? '');
    assert.match(textOf(page.html), new RegExp(`Transferred to ${w.C.name}`));
    assert.ok(page.html.includes(`href="/portal/accounts/${w.C.id}"`), 'now owned by its customer');
    const customer = await w.customerC.get(done.location ?? '');
    assert.equal(customer.status, 200, 'and the customer sees it');
    assert.match(textOf(customer.html), /Came from a line item of another account/);
    assert.ok(
      !customer.html.includes(entitlement.lineItems[0]!.activationId),
      "but not the code of the partner's line item",
    );
  });

  it('splits part of the free quantity off, with a preview, lineage on both sides and refusals', async () => {
    const { api } = server();
    const { path, code, entitlement } = await stock(api, { active: 2 });
    const before = await snapshot(api, entitlement.id);
    await w.admin.get(`${path}/split`);
    const preview = await htmxPost(w.admin, `${path}/split/preview`, { quantity: '3' });
    const shown = textOf(preview.html);
    assert.match(shown, /Quantity of this line item 10 → 7/);
    assert.match(shown, /Not activated here 8 → 5/);
    assert.match(shown, /New line item — → quantity 3/);
    const tooMuch = await w.admin.post(`${path}/split`, { quantity: '9' });
    assert.equal(tooMuch.status, 422);
    assert.match(errorBeside(tooMuch.html, 'quantity') ?? '', /at most 8/);
    const zero = await w.admin.post(`${path}/split`, { quantity: '0' });
    assert.equal(zero.status, 400);
    assert.ok(errorBeside(zero.html, 'quantity'));
    assert.deepEqual(await snapshot(api, entitlement.id), before);
    const done = await w.admin.post(`${path}/split`, { quantity: '3' });
    assert.equal(done.status, 303);
    assert.equal(done.location, path);
    const after = await entitlementNow(api, entitlement.id);
    assert.deepEqual(
      after.lineItems.map((li: any) => li.quantity),
      [7, 3],
    );
    const child = after.lineItems[1]!.activationId;
    const page = await w.admin.get(path);
    assert.match(textOf(page.html), new RegExp(`Split 3 off into ${child}`));
    assert.ok(page.html.includes(`href="/portal/line-items/${child}"`));
    assert.match(textOf((await w.admin.get(`/portal/line-items/${child}`)).html), new RegExp(`Came from ${code}`));
    const elsewhere = await w.admin.post(`${path}/split`, {
      quantity: '2',
      accountId: w.D.id,
      entitlementId: `SPLIT-${process.pid}`,
    });
    assert.equal(elsewhere.status, 303, textOf(elsewhere.html));
    assert.equal((await entitlementNow(api, `SPLIT-${process.pid}`)).soldTo, w.D.id);
    const partnerElsewhere = await w.partnerP.post(`${path}/split`, { quantity: '1', accountId: w.D.id });
    assert.equal(partnerElsewhere.status, 422, 'a partner splits to its own customers only');
  });

  it('renews, upsells and upgrades for the producer, each previewed first, and refuses them to a partner', async () => {
    const { api } = server();
    const suite = await product(api, { name: unique('Suite'), version: '2.0' });
    const newer = await product(api, { name: suite.name, version: '2.10', licenseModelId: suite.licenseModelId });
    const older = await product(api, { name: suite.name, version: '1.5', licenseModelId: suite.licenseModelId });
    const { path, entitlement } = await stock(api, { productId: suite.id });
    const before = await snapshot(api, entitlement.id);
    await w.admin.get(`${path}/renew`);
    assert.match(
      textOf((await htmxPost(w.admin, `${path}/renew/preview`, { expirationDate: '2031-06-30' })).html),
      /Expires 2030-12-31 → 2031-06-30/,
    );
    assert.match(
      textOf((await htmxPost(w.admin, `${path}/upsell/preview`, { quantity: '5' })).html),
      /Quantity 10 → 15/,
    );
    assert.match(
      textOf((await htmxPost(w.admin, `${path}/upgrade/preview`, { productId: newer.id })).html),
      new RegExp(`Product ${suite.name} 2\\.0 → ${suite.name} 2\\.10`),
    );
    assert.deepEqual(await snapshot(api, entitlement.id), before, 'three previews, no change');

    const earlier = await w.admin.post(`${path}/renew`, { expirationDate: '2030-01-01' });
    assert.equal(earlier.status, 400);
    assert.match(errorBeside(earlier.html, 'expirationDate') ?? '', /must be after the current 2030-12-31/);
    const upgradePage = await w.admin.get(`${path}/upgrade`);
    assert.ok(upgradePage.html.includes(`value="${newer.id}"`), 'newer versions are offered');
    assert.ok(!upgradePage.html.includes(`value="${older.id}"`), 'older ones are not');
    const downgrade = await w.admin.post(`${path}/upgrade`, { productId: older.id });
    assert.equal(downgrade.status, 422);
    assert.match(errorBeside(downgrade.html, 'productId') ?? '', /newer version of the same product/);
    const partner = await w.partnerP.get(path);
    assert.equal(partner.status, 200);
    assert.equal((await w.partnerP.post(`${path}/renew`, { expirationDate: '2031-06-30' })).status, 403);
    assert.equal((await w.partnerP.post(`${path}/upsell`, { quantity: '5' })).status, 403);
    assert.deepEqual(await snapshot(api, entitlement.id), before);

    assert.equal((await w.admin.post(`${path}/renew`, { expirationDate: '2031-06-30' })).status, 303);
    assert.equal((await w.admin.post(`${path}/upsell`, { quantity: '5' })).status, 303);
    const upgraded = await w.admin.post(`${path}/upgrade`, { productId: newer.id });
    assert.equal(upgraded.status, 303);
    assert.match(textOf((await w.admin.get(path)).html), new RegExp(`Upgraded to ${suite.name} 2\\.10`));
    const item = (await entitlementNow(api, entitlement.id)).lineItems[0]!;
    assert.deepEqual([item.expirationDate, item.quantity, item.productId], ['2031-06-30', 15, newer.id]);
    const history = textOf((await w.admin.get(path)).html);
    for (const action of ['line-item.renewed', 'line-item.upsold', 'line-item.upgraded'])
      assert.match(history, new RegExp(action.replace('.', '\\.')));
  });

  it('shows the versions a line item went through to whoever may read it: when, who, operation and what changed', async () => {
    const { api } = server();
    const suite = await product(api, { name: unique('Suite'), version: '2.0' });
    const newer = await product(api, { name: suite.name, version: '3.0', licenseModelId: suite.licenseModelId });
    const { path } = await stock(api, { productId: suite.id });
    const fresh = textOf((await w.admin.get(path)).html);
    assert.match(fresh, /Versions Now version 1: .* quantity 10, expires 2030-12-31/);
    assert.match(fresh, /No earlier versions\./);

    assert.equal((await w.admin.post(`${path}/renew`, { expirationDate: '2031-06-30' })).status, 303);
    assert.equal((await w.admin.post(`${path}/upsell`, { quantity: '5' })).status, 303);
    assert.equal((await w.admin.post(`${path}/upgrade`, { productId: newer.id })).status, 303);

    const page = await w.admin.get(path);
    const text = textOf(page.html);
    const name = suite.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(text, new RegExp(`Now version 4: ${name} 3\\.0, quantity 15, expires 2031-06-30`));
    // Newest first, each row: version, when, who (the signed-in person), operation, what changed.
    const versions = page.html.slice(page.html.indexOf('id="versions"'), page.html.indexOf('id="activations"'));
    const rows = textOf(versions);
    assert.match(
      rows,
      new RegExp(
        `3 \\S+ .*Upgraded Product: ${name} 2\\.0 → ${name} 3\\.0 .*` +
          '2 \\S+ .*Upsold Quantity: 10 → 15 .*' +
          '1 \\S+ .*Renewed Expires: 2030-12-31 → 2031-06-30',
      ),
    );
    assert.match(rows, /Admin \d+.*usr_/, 'made in the portal by a person, named to the producer');
    assert.doesNotMatch(rows, /API key/);

    const partner = await w.partnerP.get(path);
    assert.equal(partner.status, 200);
    assert.match(textOf(partner.html), /Now version 4: .*Upgraded .*Upsold .*Renewed/, 'the partner reads them too');
    const partnerVersions = textOf(
      partner.html.slice(partner.html.indexOf('id="versions"'), partner.html.indexOf('id="activations"')),
    );
    assert.match(partnerVersions, /The producer/, "a producer's person is shown to a partner as the producer");
    assert.doesNotMatch(partnerVersions, /usr_|A user/, "and neither named nor identified by the user's ID");
    assert.equal((await w.partnerQ.get(path)).status, 404);
  });

  it('shows in a lineage only the line items the reader may see', async () => {
    const { api } = server();
    const { path, code } = await stock(api, { soldTo: w.C.id });
    await w.admin.get(`${path}/split`);
    const split = await w.admin.post(`${path}/split`, { quantity: '2', accountId: w.D.id });
    assert.equal(split.status, 303, textOf(split.html));
    const child = (await api.get(`/entitlements?account=${w.D.id}&limit=1000`)).body.items
      .flatMap((e: any) => e.lineItems)
      .find((li: any) => li.parentActivationId === code);
    assert.ok(child, 'the split made a line item for D');
    assert.ok(
      (await w.admin.get(path)).html.includes(`href="/portal/line-items/${child.activationId}"`),
      'the producer sees where it went',
    );
    const customer = await w.customerC.get(path);
    assert.equal(customer.status, 200);
    assert.ok(!customer.html.includes(child.activationId), "the customer does not see another account's line item");
    assert.match(textOf(customer.html), /Nothing was split or transferred from it/);
  });
});
