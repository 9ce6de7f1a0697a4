import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { activatable } from '../support/activation-fixtures.ts';
import { account, created, partner } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

const RANGE = 'from=2026-10-01&to=2026-12-31';

describeEachBackend('portal: billing report and statements', (server) => {
  let p1: { id: string };
  let p2: { id: string };
  let customer: { id: string };

  // Activations in October, November and December 2026, as the billing API test makes them.
  before(async () => {
    const { api, running } = server();
    const ctx = running.ctx as { now: () => Date };
    const realNow = ctx.now;
    const at = (iso: string) => {
      ctx.now = () => new Date(iso);
    };
    try {
      p1 = await partner(api, { name: 'Alpha Distribution' });
      p2 = await partner(api, { name: 'Beta Resellers' });
      customer = await account(api, { parentAccountId: p1.id, anonymous: true, name: 'Secret End Customer' });
      const sold = (tier1: string, soldTo: string, state?: 'test') =>
        activatable(api, { soldTo, state, quantity: 20, fields: { channelPartners: [{ accountId: tier1, tier: 'tier1' }] } });
      const a1 = await sold(p1.id, customer.id);
      const a2 = await sold(p2.id, p2.id);
      const t1 = await sold(p1.id, customer.id, 'test');
      const device = api.as(null);
      const activate = async (code: string, fp: string) => (await device.post('/activations', { code, fingerprint: fp })).body;
      at('2026-10-15T10:00:00.000Z');
      const october = [await activate(a1.code, 'o1'), await activate(a1.code, 'o2'), await activate(a1.code, 'o3')];
      await activate(a2.code, 'b1');
      await activate(t1.code, 'test-1');
      at('2026-11-10T10:00:00.000Z');
      await activate(a1.code, 'n1');
      await activate(a1.code, 'n2');
      await created(device.post(`/activations/${october[0].activation.id}/return`, { token: october[0].license.token }), 200);
      at('2026-12-31T23:59:59.000Z');
      await created(api.post(`/activations/${october[1].activation.id}/revoke`), 200);
    } finally {
      ctx.now = realNow;
    }
  });

  const rowsOf = (html: string, title: string) => {
    const section = html.split(`>${title}</h2>`)[1]?.split('</section>')[0] ?? '';
    return [...section.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => textOf(m[1] ?? ''));
  };

  it('shows the producer every partner per quarter, in a chart and a table with links to statements', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const r = await admin.get(`/portal/reports?groupBy=partner&period=quarter&${RANGE}`);
    assert.equal(r.status, 200);
    const rows = rowsOf(r.html, 'Figures');
    assert.ok(rows.includes('Alpha Distribution 2026-Q4 5 2 3 Statement 2026-Q4'), rows.join('\n'));
    assert.ok(rows.includes('Beta Resellers 2026-Q4 1 0 1 Statement 2026-Q4'), rows.join('\n'));
    assert.match(r.html, new RegExp(`href="/portal/reports/partners/${p1.id}/statement\\?period=2026-Q4"`));
    assert.match(r.html, /<script src="\/assets\/vendor\/chart\.umd\.min\.js\?v=[0-9a-f]+" defer><\/script>/);
    const config = JSON.parse(
      (/data-chart="([^"]+)"/.exec(r.html)?.[1] ?? '{}').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'"),
    );
    assert.deepEqual(config.data.labels, ['2026-Q4']);
    assert.deepEqual(
      config.data.datasets.map((d: { label: string; data: number[] }) => [d.label, d.data]),
      [
        ['Alpha Distribution', [3]],
        ['Beta Resellers', [1]],
      ],
    );
    const monthly = rowsOf((await admin.get(`/portal/reports?${RANGE}`)).html, 'Figures');
    assert.ok(monthly.includes('Alpha Distribution 2026-12 0 1 -1 Statement 2026-12'), monthly.join('\n'));
    const byProduct = textOf((await admin.get(`/portal/reports?groupBy=product&period=quarter&${RANGE}`)).html);
    assert.match(byProduct, /Product Period Activations Returns Net Studio \S+ 5\.0 2026-Q4 5 2 3/);
    assert.doesNotMatch(byProduct, /Statement 2026-Q4/, 'statements are per partner');
  });

  it('downloads the same CSV as the API', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    for (const query of [`period=quarter&${RANGE}`, `groupBy=account&period=month&${RANGE}`]) {
      const page = await admin.get(`/portal/reports.csv?${query}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(page.headers.get('content-disposition') ?? '', /^attachment; filename="activations-2026-10-01-2026-12-31\.csv"$/);
      const apiCsv = await api.get(`/reports/activations?${query}`, { headers: { accept: 'text/csv' } });
      assert.equal(page.html, apiCsv.text, query);
    }
    const statement = await admin.get(`/portal/reports/partners/${p1.id}/statement.csv?period=2026-Q4`);
    assert.equal(statement.status, 200);
    assert.equal(statement.headers.get('content-disposition'), `attachment; filename="statement-${p1.id}-2026-Q4.csv"`);
    assert.equal(statement.html, (await api.get(`/reports/partners/${p1.id}/statement?period=2026-Q4`, { headers: { accept: 'text/csv' } })).text);
    assert.equal(statement.html.trim().split('\n').length, 1 + 5 + 2);
  });

  it("shows a statement with the report row's numbers and no end customer data", async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    for (const [period, kind] of [
      ['2026-11', 'month'],
      ['2026-Q4', 'quarter'],
    ] as const) {
      const row = (await api.get(`/reports/activations?period=${kind}&${RANGE}`)).body.items.find((r: any) => r.partnerAccountId === p1.id && r.period === period);
      const page = await admin.get(`/portal/reports/partners/${p1.id}/statement?period=${period}`);
      assert.equal(page.status, 200);
      const text = textOf(page.html);
      assert.match(text, new RegExp(`Activations ${row.activations} Returns ${row.returns} Net ${row.net}`), period);
      assert.equal(rowsOf(page.html, 'Activations').length, row.activations, period);
      assert.equal(rowsOf(page.html, 'Returns').length, row.returns, period);
      assert.doesNotMatch(text, /Secret End Customer/);
      assert.ok(!page.html.includes(customer.id), 'no end customer account');
      assert.doesNotMatch(page.html, />o1<|>n1</, 'no raw fingerprint');
    }
    const december = textOf((await admin.get(`/portal/reports/partners/${p1.id}/statement?period=2026-12`)).html);
    assert.match(december, /No billable activation in this period\./);
  });

  it('shows a partner only its own figures and statements', async () => {
    const { api, url } = server();
    const partner1 = await PortalClient.as(api, url, 'partner', p1.id);
    const own = await partner1.get(`/portal/reports?period=quarter&${RANGE}`);
    assert.equal(own.status, 200);
    assert.match(textOf(own.html), /Alpha Distribution 2026-Q4 5 2 3/);
    assert.doesNotMatch(textOf(own.html), /Beta Resellers|sold directly/);
    assert.doesNotMatch(await (await partner1.get(`/portal/reports.csv?period=quarter&${RANGE}`)).html, /Beta Resellers/);
    assert.equal((await partner1.get(`/portal/reports/partners/${p1.id}/statement?period=2026-Q4`)).status, 200);
    assert.equal((await partner1.get(`/portal/reports/partners/${p2.id}/statement?period=2026-Q4`)).status, 404);
    assert.equal((await partner1.get(`/portal/reports/partners/${p2.id}/statement.csv?period=2026-Q4`)).status, 404);
    const partner2 = await PortalClient.as(api, url, 'partner', p2.id);
    const other = await partner2.get(`/portal/reports/partners/${p1.id}/statement?period=2026-Q4`);
    assert.equal(other.status, 404);
    assert.doesNotMatch(textOf(other.html), /Alpha Distribution/);

    const named = await account(api, { name: 'Named Customer' });
    const customer1 = await PortalClient.as(api, url, 'customer', named.id);
    assert.equal((await customer1.get('/portal/reports')).status, 403);
    assert.equal((await customer1.get(`/portal/reports/partners/${p1.id}/statement?period=2026-Q4`)).status, 403);
    const signedOut = new PortalClient(url);
    assert.equal((await signedOut.get('/portal/reports')).location, '/sign-in?next=%2Fportal%2Freports');
    assert.equal((await signedOut.get(`/portal/reports/partners/${p1.id}/statement?period=2026-Q4`)).status, 303);
  });

  it('says what is wrong with a range beside its field', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    const reversed = await admin.get('/portal/reports?from=2026-12-01&to=2026-11-01');
    assert.equal(reversed.status, 400);
    assert.match(reversed.html, /class="field field-invalid"><label for="f-from">From[\s\S]*?must not be after to/);
    assert.match(reversed.html, /value="2026-12-01"/, 'what was typed stays');
    assert.equal((await admin.get('/portal/reports?from=2026-13-01')).status, 400);
    assert.equal((await admin.get('/portal/reports?groupBy=region')).status, 400);
    assert.equal((await admin.get('/portal/reports.csv?from=2026-12-01&to=2026-11-01')).status, 400);
    assert.equal((await admin.get(`/portal/reports/partners/${p1.id}/statement?period=2026-Q5`)).status, 400);
    assert.equal((await admin.get(`/portal/reports/partners/${p1.id}/statement`)).status, 400);
    assert.equal((await admin.get(`/portal/reports/partners/${customer.id}/statement?period=2026-Q4`)).status, 422);
    assert.equal((await admin.get('/portal/reports/partners/acc_missing/statement?period=2026-Q4')).status, 404);
  });
});
