import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, partner } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { billingHistory } from '../support/report-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

const RANGE = 'from=2026-10-01&to=2026-12-31';

describeEachBackend('portal: billing report and statements', (server) => {
  let p1: { id: string };
  let p2: { id: string };
  let customer: { id: string };

  // The same billing history as the API's report test, without the direct sale.
  before(async () => {
    ({ p1, p2, customer } = await billingHistory(server()));
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
    assert.ok(rows.includes('Alpha Distribution 2026-Q4 5 1 1 4 Statement 2026-Q4'), rows.join('\n'));
    assert.ok(rows.includes('Beta Resellers 2026-Q4 1 0 0 1 Statement 2026-Q4'), rows.join('\n'));
    assert.match(r.html, new RegExp(`href="/portal/reports/partners/${p1.id}/statement\\?period=2026-Q4"`));
    assert.match(r.html, /<script src="\/assets\/vendor\/chart\.umd\.min\.js\?v=[0-9a-f]+" defer><\/script>/);
    const config = JSON.parse(
      (/data-chart="([^"]+)"/.exec(r.html)?.[1] ?? '{}')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
        .replace(/&#39;/g, "'"),
    );
    assert.deepEqual(config.data.labels, ['2026-Q4']);
    assert.deepEqual(
      config.data.datasets.map((d: { label: string; data: number[] }) => [d.label, d.data]),
      [
        ['Alpha Distribution', [4]],
        ['Beta Resellers', [1]],
      ],
    );
    const monthly = rowsOf((await admin.get(`/portal/reports?${RANGE}`)).html, 'Figures');
    assert.ok(monthly.includes('Alpha Distribution 2026-12 0 0 1 0 Statement 2026-12'), monthly.join('\n'));
    const byProduct = textOf((await admin.get(`/portal/reports?groupBy=product&period=quarter&${RANGE}`)).html);
    assert.match(byProduct, /Product Period Activations Returns Revocations Net Studio \S+ 5\.0 2026-Q4 5 1 1 4/);
    assert.doesNotMatch(byProduct, /Statement 2026-Q4/, 'statements are per partner');
  });

  it('downloads the same CSV as the API', async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    for (const query of [`period=quarter&${RANGE}`, `groupBy=account&period=month&${RANGE}`]) {
      const page = await admin.get(`/portal/reports.csv?${query}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(
        page.headers.get('content-disposition') ?? '',
        /^attachment; filename="activations-2026-10-01-2026-12-31\.csv"$/,
      );
      const apiCsv = await api.get(`/reports/activations?${query}`, { headers: { accept: 'text/csv' } });
      assert.equal(page.html, apiCsv.text, query);
    }
    const statement = await admin.get(`/portal/reports/partners/${p1.id}/statement.csv?period=2026-Q4`);
    assert.equal(statement.status, 200);
    assert.equal(statement.headers.get('content-disposition'), `attachment; filename="statement-${p1.id}-2026-Q4.csv"`);
    assert.equal(
      statement.html,
      (await api.get(`/reports/partners/${p1.id}/statement?period=2026-Q4`, { headers: { accept: 'text/csv' } })).text,
    );
    assert.equal(statement.html.trim().split('\n').length, 1 + 5 + 1 + 1);
  });

  it("shows a statement with the report row's numbers and no end customer data", async () => {
    const { api, url } = server();
    const admin = await PortalClient.as(api, url, 'admin');
    for (const [period, kind] of [
      ['2026-11', 'month'],
      ['2026-Q4', 'quarter'],
    ] as const) {
      const row = (await api.get(`/reports/activations?period=${kind}&${RANGE}`)).body.items.find(
        (r) => r.partnerAccountId === p1.id && r.period === period,
      );
      assert.ok(row);
      const page = await admin.get(`/portal/reports/partners/${p1.id}/statement?period=${period}`);
      assert.equal(page.status, 200);
      const text = textOf(page.html);
      assert.match(
        text,
        new RegExp(
          `Activations ${row.activations} Returns ${row.returns} Revocations \\(not credited\\) ${row.revocations} Net ${row.net}`,
        ),
        period,
      );
      assert.equal(rowsOf(page.html, 'Activations').length, row.activations, period);
      assert.equal(rowsOf(page.html, 'Returns').length, row.returns, period);
      assert.equal(rowsOf(page.html, 'Revocations').length, row.revocations, period);
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
    assert.match(textOf(own.html), /Alpha Distribution 2026-Q4 5 1 1 4/);
    assert.doesNotMatch(textOf(own.html), /Beta Resellers|sold directly/);
    assert.doesNotMatch(
      await (await partner1.get(`/portal/reports.csv?period=quarter&${RANGE}`)).html,
      /Beta Resellers/,
    );
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

  it('shows the prepaid stock (keys) report beside the billing figures, with the same CSV as the API', async () => {
    const { api, url } = server();
    const holder = await partner(api);
    await bulkWithKeys(api, { keys: someKeys(3), partnerId: holder.id });
    const admin = await PortalClient.as(api, url, 'admin');
    const today = new Date().toISOString().slice(0, 10);
    const query = `period=month&from=${today.slice(0, 8)}01&to=${today}`;
    const page = await admin.get(`/portal/reports?${query}`);
    assert.equal(page.status, 200);
    const rows = rowsOf(page.html, 'Prepaid stock (keys)');
    assert.ok(
      rows.some((r) => r.startsWith(`${holder.name} ${today.slice(0, 7)} 3 0 0 0 0 0`)),
      rows.join('\n'),
    );
    const csv = await admin.get(`/portal/reports/keys.csv?${query}`);
    assert.equal(csv.status, 200);
    assert.equal(csv.html, (await api.get(`/reports/keys?${query}`, { headers: { accept: 'text/csv' } })).text);
  });
});
