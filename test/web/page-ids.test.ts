import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import type { PortalClient } from '../support/portal-client.ts';
import { portalWorld } from '../support/portal-world.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The ids an HTML page gives more than one element (a label's `for` then points at the wrong one). */
export function duplicateIds(html: string): string[] {
  const seen = new Map<string, number>();
  for (const match of html.matchAll(/<[a-zA-Z][^>]*?\sid="([^"]*)"/g)) {
    const id = match[1] ?? '';
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

// Links that answer a file, not a page, or that would leave the portal.
const notPages = /\.(csv|json|js|css|ico|png|svg|txt|lic)(\?|$)|\/export(\?|$)|\/license(\?|$)|^\/docs|^\/assets/;

/**
 * Follows every portal link `client` is shown, breadth first, from its home page: each page a person
 * of that role can reach by clicking. A path is visited with at most two different query strings, so
 * filters and pagers do not multiply the walk.
 */
async function crawl(client: PortalClient, start: string[], limit = 150): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  const queue = [...start];
  const variants = new Map<string, number>();
  while (queue.length > 0 && pages.size < limit) {
    const href = queue.shift() ?? '';
    if (pages.has(href)) continue;
    const path = href.split('?')[0] ?? href;
    const n = variants.get(path) ?? 0;
    if (n >= 2) continue;
    variants.set(path, n + 1);
    const r = await client.get(href);
    if (r.status !== 200 || !(r.headers.get('content-type') ?? '').startsWith('text/html')) continue;
    pages.set(href, r.html);
    for (const m of r.html.matchAll(/href="([^"#]+)/g)) {
      const next = (m[1] ?? '').replace(/&amp;/g, '&');
      if (!/^\/(portal|activate|register)/.test(next) || notPages.test(next)) continue;
      if (!pages.has(next)) queue.push(next);
    }
  }
  return pages;
}

describeEachBackend('portal: element ids are unique on every page', (server) => {
  it('gives no two elements the same id on any page an admin, a partner or a customer can reach', async () => {
    const { api, url } = server();
    const w = await portalWorld(api, url);
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(3), partnerId: w.P.id, productId: w.productId });
    const sold = await activatable(api, {
      soldTo: w.D.id,
      fields: { channelPartners: [{ accountId: w.P.id, tier: 'tier1' }] },
    });
    assert.equal(
      (await api.as(null).post('/activations', { code: sold.code, fingerprint: fingerprint(), deviceName: 'Desk' }))
        .status,
      201,
    );

    const keysPage = `/portal/entitlements/${bulk.id}/keys`;
    for (const [role, client, start] of [
      ['admin', w.admin, ['/portal', keysPage]],
      ['partner', w.partnerP, ['/portal', keysPage]],
      ['customer', w.customerD, ['/portal']],
      ['signed out', w.signedOut, ['/activate', '/sign-in']],
    ] as const) {
      const pages = await crawl(client, [...start]);
      assert.ok(pages.size >= (role === 'signed out' ? 1 : 5), `${role} reached only ${[...pages.keys()]}`);
      for (const [href, html] of pages) assert.deepEqual(duplicateIds(html), [], `${role}: ids used twice on ${href}`);
      if (role === 'admin') {
        for (const reached of [keysPage, `/portal/entitlements/${sold.entitlement.id}`, '/portal/activations'])
          assert.ok(pages.has(reached), `the walk reaches ${reached}`);
      }
    }
  });
});
