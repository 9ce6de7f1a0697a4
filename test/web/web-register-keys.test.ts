import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, created, partner } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

const counts = async (api: Api, id: string) => (await api.get(`/entitlements/${id}`)).body.webRegisterKeys;

/** Sends a key file the way portal.js does: one text/plain request, the CSRF token in a header. */
function upload(
  client: PortalClient,
  id: string,
  text: string,
  options: { partial?: boolean; token?: string | null } = {},
) {
  const token = options.token === undefined ? client.token : options.token;
  return client.request(
    'POST',
    `/portal/entitlements/${id}/keys/upload${options.partial ? '?partial=true' : ''}`,
    text,
    'text/plain; charset=utf-8',
    {
      ...(token && { 'x-csrf-token': token }),
    },
  );
}

describeEachBackend('portal: web register keys of a bulk entitlement', (server, backend) => {
  it('shows the counts and keys to the producer and the stock’s partner, and nothing to anyone else', async () => {
    const { api, url } = server();
    const { bulk, partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(3) });
    await created(api.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Workshop' }));
    await created(api.post(`/web-register-keys/${keys[1]}/void`), 200);
    const path = `/portal/entitlements/${bulk.id}/keys`;
    for (const role of ['admin', 'operator']) {
      const client = await PortalClient.as(api, url, role);
      const page = await client.get(path);
      assert.equal(page.status, 200, role);
      const text = textOf(page.html);
      assert.match(text, new RegExp(`Keys of ${bulk.id}`));
      assert.match(text, /3 Total 1 Unredeemed 1 Redeemed 1 Void/);
      for (const key of keys) assert.match(text, new RegExp(key));
      assert.match(text, new RegExp(`${keys[0]}ENT`), 'the entitlement a redeemed key became');
      assert.match(text, /Upload a key file/, `${role} may load keys`);
      assert.match(text, /Void keys/);
    }
    const own = await PortalClient.as(api, url, 'partner', distributor.id);
    const seen = await own.get(path);
    assert.equal(seen.status, 200);
    assert.match(textOf(seen.html), new RegExp(keys[2] ?? ''));
    assert.doesNotMatch(
      textOf(seen.html),
      /Upload a key file|Void keys/,
      'a partner reads its stock; loading and voiding are the producer’s',
    );
    assert.match(textOf(seen.html), /Split stock to a reseller/, 'the tier-1 partner may split');

    const other = await PortalClient.as(api, url, 'partner', (await partner(api)).id);
    for (const p of [path, `${path}/export`]) assert.equal((await other.get(p)).status, 404, p);
    await other.get('/portal');
    // Loading and voiding are the producer's whatever the stock: refused for the role before any lookup.
    assert.equal((await other.post(`${path}/void-count`, { count: '1' })).status, 403);
    assert.equal((await upload(other, bulk.id, 'OTHERKEY-0001\n')).status, 403);
    assert.equal((await other.post(`${path}/split`, { partnerAccountId: distributor.id, count: '1' })).status, 404);
    const customer = await PortalClient.as(
      api,
      url,
      'customer',
      (await account(api, { parentAccountId: distributor.id })).id,
    );
    assert.equal((await customer.get(path)).status, 403);
    const signedOut = new PortalClient(url);
    const r = await signedOut.get(path);
    assert.equal(r.status, 303);
    assert.equal(r.location, `/sign-in?next=${encodeURIComponent(path)}`);
    assert.equal((await admin404(api, url)).status, 404, 'an unknown entitlement');
    assert.deepEqual(await counts(api, bulk.id), { total: 3, unredeemed: 1, redeemed: 1, void: 1 });
  });

  it('filters keys by state and pages through them', async () => {
    const { api, url } = server();
    const { bulk, keys } = await bulkWithKeys(api, { generate: 120 });
    await created(api.post(`/entitlements/${bulk.id}/web-register-keys/void`, { keys: keys.slice(0, 2) }), 200);
    const admin = await PortalClient.as(api, url, 'admin');
    const path = `/portal/entitlements/${bulk.id}/keys`;
    const first = await admin.get(path);
    const next = /href="([^"]+cursor=[^"]+)"/.exec(first.html)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(next, 'a next page');
    const second = await admin.get(next);
    assert.equal(second.status, 200);
    const shown = (html: string): string[] => (keys as string[]).filter((k) => html.includes(k));
    assert.equal(shown(first.html).length, 50);
    assert.equal(shown(second.html).length, 50);
    assert.equal(shown(first.html).filter((k) => shown(second.html).includes(k)).length, 0, 'no key on both pages');
    const voided = await admin.get(`${path}?state=void`);
    assert.deepEqual(shown(voided.html), keys.slice(0, 2));
    assert.match(textOf((await admin.get(`${path}?state=redeemed`)).html), /No redeemed keys\./);
    assert.equal((await admin.get(`${path}?state=lost`)).status, 400);
    assert.equal((await admin.get(`${path}?cursor=not-a-cursor`)).status, 400);
  });

  it('loads an uploaded key file all or nothing, naming every refused key, or the good ones when asked', async () => {
    const { api, url } = server();
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1) });
    const taken = (await bulkWithKeys(api, { keys: someKeys(1) })).keys[0] ?? '';
    const admin = await PortalClient.as(api, url, 'admin');
    const page = await admin.get(`/portal/entitlements/${bulk.id}/keys`);
    assert.match(page.html, /data-upload="\/portal\/entitlements\/[^"]+\/keys\/upload"/);
    const good = someKeys(3, 'UP');
    const file = ['# keys for the spring campaign', '', ...good, 'no', good[0], taken.toLowerCase(), '   '].join('\n');

    const refused = await upload(admin, bulk.id, file);
    assert.equal(refused.status, 422);
    assert.ok(!refused.html.startsWith('<!doctype'), 'a fragment for the page, not a page');
    const text = textOf(refused.html);
    assert.match(text, /3 keys of the file were refused, so none was loaded/);
    assert.match(text, /no not a valid key/);
    assert.match(text, new RegExp(`${good[0]} appears twice`));
    assert.match(text, new RegExp(`${taken} exists already`));
    assert.match(refused.html, /data-resubmit="key-upload" data-tick="partial"/, 'offers to load the good ones');
    assert.deepEqual(await counts(api, bulk.id), { total: 1, unredeemed: 1, redeemed: 0, void: 0 });

    const partial = await upload(admin, bulk.id, file, { partial: true });
    assert.equal(partial.status, 201);
    assert.match(textOf(partial.html), /Loaded 3 keys\. 3 rejected keys were skipped\./);
    assert.deepEqual(await counts(api, bulk.id), { total: 4, unredeemed: 4, redeemed: 0, void: 0 });

    const clean = await upload(admin, bulk.id, someKeys(2, 'CLEAN').join('\r\n'));
    assert.equal(clean.status, 201);
    assert.equal(clean.headers.get('x-location'), `/portal/entitlements/${bulk.id}/keys`);
    const after = await admin.get(clean.headers.get('x-location') ?? '');
    assert.match(textOf(after.html), /Loaded 2 keys\./, 'the flash message');
    assert.match(textOf(after.html), /6 Total 6 Unredeemed/);

    assert.equal((await upload(admin, bulk.id, '# nothing but a comment\n')).status, 422);
    const json = await admin.request(
      'POST',
      `/portal/entitlements/${bulk.id}/keys/upload`,
      '{"keys":["JSONKEY1"]}',
      'application/json',
      { 'x-csrf-token': admin.token ?? '' },
    );
    assert.equal(json.status, 415);
    const operator = await PortalClient.as(api, url, 'operator');
    await operator.get('/portal');
    const partnerClient = await PortalClient.as(api, url, 'partner', bulk.channelPartners[0]!.accountId);
    await partnerClient.get('/portal');
    assert.equal((await upload(partnerClient, bulk.id, 'PARTNERKEY1\n')).status, 403);
    assert.equal((await upload(admin, 'NO-SUCH-BULK', 'AKEY-0001\n')).status, 404);
    assert.deepEqual(await counts(api, bulk.id), { total: 6, unredeemed: 6, redeemed: 0, void: 0 });
  });

  it('refuses an upload without the page’s CSRF token before reading the body', async () => {
    const { api, url } = server();
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1) });
    const admin = await PortalClient.as(api, url, 'admin');
    await admin.get('/portal');
    assert.equal((await upload(admin, bulk.id, 'FORGED-0001\n', { token: null })).status, 403);
    assert.equal((await upload(admin, bulk.id, 'FORGED-0001\n', { token: 'forged' })).status, 403);
    assert.equal((await upload(new PortalClient(url), bulk.id, 'FORGED-0001\n', { token: 'forged' })).status, 401);

    // A body that never ends: the refusal can only arrive if the server did not wait to spool it.
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('FORGED-0002\n'.repeat(1000)));
        await stopped;
        controller.close();
      },
    });
    const response = await fetch(`${url}/portal/entitlements/${bulk.id}/keys/upload`, {
      method: 'POST',
      headers: { cookie: admin.cookieHeader(), 'content-type': 'text/plain' },
      body,
      duplex: 'half',
      redirect: 'manual',
    } as RequestInit);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /did not come from a page of this site/);
    stop();
    assert.deepEqual(await counts(api, bulk.id), { total: 1, unredeemed: 1, redeemed: 0, void: 0 });
  });

  it('loads a file of 1,000,000 keys through the page’s upload', {
    // About 20 s on SQLite; PostgreSQL loads at less than half that speed (docs/benchmarks.md), so it runs on SQLite only.
    skip: backend.name !== 'sqlite' && 'a million keys are loaded on SQLite only',
  }, async () => {
    const { api, url } = server();
    const { bulk } = await bulkWithKeys(api, { state: 'draft' });
    const admin = await PortalClient.as(api, url, 'admin');
    await admin.get(`/portal/entitlements/${bulk.id}/keys`);
    const lines: string[] = ['# a million keys'];
    for (let i = 0; i < 1_000_000; i++) lines.push(`M${process.pid}-${String(i).padStart(7, '0')}`);
    const r = await upload(admin, bulk.id, lines.join('\n'));
    assert.equal(r.status, 201, r.html);
    assert.deepEqual(await counts(api, bulk.id), { total: 1_000_000, unredeemed: 1_000_000, redeemed: 0, void: 0 });
    const page = await admin.get(r.headers.get('x-location') ?? '');
    assert.match(textOf(page.html), /Loaded 1,000,000 keys\.[\s\S]*1,000,000 Total 1,000,000 Unredeemed/);
  });

  it('adds pasted keys and generated keys, and shows refusals beside the field', async () => {
    const { api, url } = server();
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1) });
    const admin = await PortalClient.as(api, url, 'admin');
    const path = `/portal/entitlements/${bulk.id}/keys`;
    await admin.get(path);
    const pasted = someKeys(2, 'PASTE');
    const bad = await admin.post(`${path}/paste`, { keys: `${pasted.join('\n')}\nx!` });
    assert.equal(bad.status, 422);
    assert.match(
      bad.html,
      /class="field field-invalid"[\s\S]*1 key refused, so nothing changed; tick “Add the good keys and skip the rejected ones”/,
    );
    assert.match(textOf(bad.html), /These keys were refused: Key Why x! not a valid key/);
    assert.ok(bad.html.includes(pasted.join('\n')), 'what was pasted is there to correct');
    assert.equal((await counts(api, bulk.id))!.total, 1);
    const ok = await admin.post(`${path}/paste`, { keys: `# pasted\n${pasted.join('\n')}\nx!`, _partial: 'true' });
    assert.equal(ok.status, 303);
    assert.match(textOf((await admin.get(ok.location ?? '')).html), /Loaded 2 keys\. 1 rejected key was skipped\./);
    assert.equal((await counts(api, bulk.id))!.total, 3);

    const generated = await admin.post(`${path}/generate`, { generate: '25', prefix: 'SPRING' });
    assert.equal(generated.status, 303);
    assert.match(textOf((await admin.get(generated.location ?? '')).html), /Generated 25 keys\./);
    const listed = (await api.get(`/entitlements/${bulk.id}/web-register-keys?limit=1000`)).body.items.map(
      (k: { key: string }) => k.key,
    );
    assert.equal(listed.filter((k: string) => k.startsWith('SPRING')).length, 25);
    for (const [fields, field] of [
      [{ generate: '0' }, 'generate'],
      [{ generate: 'many' }, 'generate'],
      [{ generate: '5', prefix: 'bad prefix' }, 'prefix'],
    ] as const) {
      const refused = await admin.post(`${path}/generate`, fields);
      assert.equal(refused.status, 400, JSON.stringify(fields));
      assert.match(refused.html, new RegExp(`id="f-${field}-error"`), JSON.stringify(fields));
    }
    assert.equal((await counts(api, bulk.id))!.total, 28);
    const partnerClient = await PortalClient.as(api, url, 'partner', bulk.channelPartners[0]!.accountId);
    await partnerClient.get(path);
    assert.equal((await partnerClient.post(`${path}/generate`, { generate: '5' })).status, 403);
    assert.equal((await partnerClient.post(`${path}/paste`, { keys: 'PARTNERPASTE1' })).status, 403);
    assert.equal((await counts(api, bulk.id))!.total, 28);
  });

  it('exports the keys as CSV, all or in one state', async () => {
    const { api, url } = server();
    const { bulk, partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(3) });
    await created(api.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Workshop' }));
    const admin = await PortalClient.as(api, url, 'admin');
    const all = await admin.get(`/portal/entitlements/${bulk.id}/keys/export`);
    assert.equal(all.status, 200);
    assert.match(all.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(
      all.headers.get('content-disposition') ?? '',
      new RegExp(`attachment; filename="${bulk.id}-all-keys.csv"`),
    );
    const lines = all.html.trim().split('\n');
    assert.equal(lines[0], 'key,state,entitlementId,redeemedEntitlementId,redeemedAt,voidedAt,loadId,loadedAt');
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',').slice(0, 4).join(',')),
      [
        `${keys[0]},redeemed,${bulk.id},${keys[0]}ENT`,
        `${keys[1]},unredeemed,${bulk.id},`,
        `${keys[2]},unredeemed,${bulk.id},`,
      ],
    );
    const unredeemed = await admin.get(`/portal/entitlements/${bulk.id}/keys/export?state=unredeemed`);
    assert.deepEqual(
      unredeemed.html
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
      keys.slice(1),
    );
    const own = await PortalClient.as(api, url, 'partner', distributor.id);
    assert.equal(
      (await own.get(`/portal/entitlements/${bulk.id}/keys/export`)).status,
      200,
      'the partner exports its stock',
    );
  });

  it('offers void and split only when there are unredeemed keys, and void buttons look destructive', async () => {
    const { api, url } = server();
    const reseller = await partner(api);
    const { bulk } = await bulkWithKeys(api, { state: 'deployed' });
    const admin = await PortalClient.as(api, url, 'admin');
    const path = `/portal/entitlements/${bulk.id}/keys`;
    const empty = await admin.get(path);
    assert.equal(empty.status, 200);
    assert.ok(reseller.id, 'a partner to split to exists');
    assert.match(textOf(empty.html), /No unredeemed keys to void/);
    assert.match(textOf(empty.html), /No unredeemed keys to split/);
    assert.doesNotMatch(
      empty.html,
      /action="[^"]*\/keys\/void"|action="[^"]*\/keys\/void-count"|action="[^"]*\/keys\/split"/,
    );
    assert.match(empty.html, /id="void-keys"/, 'the section stays, for a key upload to refresh');
    await created(api.post(`/entitlements/${bulk.id}/web-register-keys`, { keys: someKeys(2) }));
    const stocked = await admin.get(path);
    assert.match(stocked.html, /action="[^"]*\/keys\/split"/);
    for (const form of ['void', 'void-count']) {
      const tag = new RegExp(`<form[^>]*action="[^"]*/keys/${form}"[\\s\\S]*?</form>`).exec(stocked.html)?.[0] ?? '';
      assert.match(tag, /<button type="submit" class="button button-danger">/, `${form} looks destructive`);
    }
  });

  it('voids ticked or listed keys all or nothing, or a number of the oldest', async () => {
    const { api, url } = server();
    const { bulk, keys } = await bulkWithKeys(api, { keys: someKeys(6) });
    await created(api.post(`/web-register-keys/${keys[5]}/redeem`, { accountName: 'Workshop' }));
    const admin = await PortalClient.as(api, url, 'admin');
    const path = `/portal/entitlements/${bulk.id}/keys`;
    const page = await admin.get(path);
    assert.match(page.html, new RegExp(`<input type="checkbox" form="void-form" name="keys" value="${keys[0]}"`));
    assert.doesNotMatch(
      page.html,
      new RegExp(`form="void-form" name="keys" value="${keys[5]}"`),
      'a redeemed key cannot be ticked',
    );

    const refused = await admin.post(`${path}/void`, { keys: [keys[0] ?? '', `${keys[1]}\n${keys[5]}\nNOT-OURS-1`] });
    assert.equal(refused.status, 409);
    assert.match(textOf(refused.html), new RegExp(`${keys[5]} redeemed already`));
    assert.match(textOf(refused.html), /NOT-OURS-1 not a key of this stock/);
    assert.deepEqual(await counts(api, bulk.id), { total: 6, unredeemed: 5, redeemed: 1, void: 0 });

    const voided = await admin.post(`${path}/void`, { keys: [keys[0] ?? '', keys[1]?.toLowerCase() ?? ''] });
    assert.equal(voided.status, 303);
    assert.match(textOf((await admin.get(voided.location ?? '')).html), /Voided 2 keys\./);
    const others = await admin.post(`${path}/void`, { keys: `${keys[2]}\n${keys[5]}`, _partial: 'true' });
    assert.equal(others.status, 303);
    assert.match(
      textOf((await admin.get(others.location ?? '')).html),
      new RegExp(`Voided 1 key\\. 1 could not be voided: ${keys[5]}\\.`),
    );
    assert.equal((await admin.post(`${path}/void`, { keys: '' })).status, 400);

    const tooMany = await admin.post(`${path}/void-count`, { count: '3' });
    assert.equal(tooMany.status, 422);
    assert.match(tooMany.html, /class="field field-invalid"[\s\S]*at most 2/);
    assert.deepEqual(await counts(api, bulk.id), { total: 6, unredeemed: 2, redeemed: 1, void: 3 });
    assert.equal((await admin.post(`${path}/void-count`, { count: '0' })).status, 400);
    const two = await admin.post(`${path}/void-count`, { count: '2' });
    assert.equal(two.status, 303);
    assert.deepEqual(await counts(api, bulk.id), { total: 6, unredeemed: 0, redeemed: 1, void: 5 });
    const states = (await api.get(`/entitlements/${bulk.id}/web-register-keys`)).body.items.map(
      (k: { state: string }) => k.state,
    );
    assert.deepEqual(states, ['void', 'void', 'void', 'void', 'void', 'redeemed']);
    const partnerClient = await PortalClient.as(api, url, 'partner', bulk.channelPartners[0]!.accountId);
    await partnerClient.get(path);
    assert.equal((await partnerClient.post(`${path}/void-count`, { count: '1' })).status, 403);
  });

  it('splits stock to a reseller, showing where the keys went and where they came from', async () => {
    const { api, url } = server();
    const distributor = await partner(api);
    const reseller = await partner(api, { parentAccountId: distributor.id });
    const { bulk, keys } = await bulkWithKeys(api, { keys: someKeys(6), partnerId: distributor.id });
    const own = await PortalClient.as(api, url, 'partner', distributor.id);
    const path = `/portal/entitlements/${bulk.id}/keys`;
    const page = await own.get(path);
    assert.match(page.html, new RegExp(`<option value="${reseller.id}">`), 'its reseller is offered');
    assert.doesNotMatch(page.html, new RegExp(`<option value="${distributor.id}">`), 'not itself');

    const tooMany = await own.post(`${path}/split`, { partnerAccountId: reseller.id, count: '7' });
    assert.equal(tooMany.status, 422);
    assert.match(tooMany.html, /class="field field-invalid"[\s\S]*at most 6/);
    const both = await own.post(`${path}/split`, { partnerAccountId: reseller.id, count: '1', keys: keys[0] ?? '' });
    assert.equal(both.status, 400);
    const notOurs = await own.post(`${path}/split`, { partnerAccountId: reseller.id, keys: `${keys[0]}\nNOT-OURS-2` });
    assert.equal(notOurs.status, 422);
    assert.match(textOf(notOurs.html), /NOT-OURS-2 not an unredeemed key of this entitlement/);
    assert.equal((await own.post(`${path}/split`, { count: '1' })).status, 400);
    assert.deepEqual(await counts(api, bulk.id), { total: 6, unredeemed: 6, redeemed: 0, void: 0 });

    const split = await own.post(`${path}/split`, {
      partnerAccountId: reseller.id,
      count: '2',
      id: `RESOLD-${process.pid}`,
    });
    assert.equal(split.status, 303);
    assert.equal(split.location, `/portal/entitlements/RESOLD-${process.pid}/keys`);
    const child = await own.get(split.location ?? '');
    assert.match(textOf(child.html), new RegExp(`Moved 2 keys from ${bulk.id} into this new bulk entitlement\\.`));
    assert.match(textOf(child.html), new RegExp(`Split from ${bulk.id}`));
    assert.match(textOf(child.html), new RegExp(`resold by ${reseller.name}`));
    assert.match(textOf(child.html), new RegExp(`${keys[0]}[\\s\\S]*${keys[1]}`));
    assert.match(
      textOf((await own.get(path)).html),
      new RegExp(`Split to resellers[\\s\\S]*RESOLD-${process.pid} ${reseller.name} 2 2`),
    );
    assert.deepEqual(await counts(api, bulk.id), { total: 4, unredeemed: 4, redeemed: 0, void: 0 });

    const resellerClient = await PortalClient.as(api, url, 'partner', reseller.id);
    const resold = await resellerClient.get(split.location ?? '');
    assert.equal(resold.status, 200, 'the reseller sees its new stock');
    assert.doesNotMatch(textOf(resold.html), /Split stock to a reseller/, 'and does not split it further');
    assert.equal(
      (await resellerClient.post(`${split.location}/split`, { partnerAccountId: distributor.id, count: '1' })).status,
      403,
    );
    assert.equal((await resellerClient.get(path)).status, 404, 'nor sees the stock it came from');

    const admin = await PortalClient.as(api, url, 'admin');
    await admin.get(path);
    const byProducer = await admin.post(`${path}/split`, {
      partnerAccountId: reseller.id,
      keys: `${keys[2]}\n${keys[3]?.toLowerCase()}`,
    });
    assert.equal(byProducer.status, 303);
    assert.deepEqual(await counts(api, bulk.id), { total: 2, unredeemed: 2, redeemed: 0, void: 0 });
  });
});

async function admin404(api: Api, url: string) {
  const admin = await PortalClient.as(api, url, 'admin');
  return admin.get('/portal/entitlements/NO-SUCH-BULK/keys');
}
