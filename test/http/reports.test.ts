import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { activatable } from '../support/activation-fixtures.ts';
import { account, apiKey, assertProblem, created, partner } from '../support/fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { billingHistory } from '../support/report-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import type { ReportBody, StatementBody } from '../../src/http/routes/reports.ts';
import type { WebRegisterKeyBody } from '../../src/http/routes/web-register-keys.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';

describeEachBackend('partner billing reports and statements', (server) => {
  it('counts activations, returns and net per partner per month and quarter, without test activations, and statements match', async () => {
    const { api } = server();
    const { p1, p2, customer, a1 } = await billingHistory(server(), { direct: true });
    const monthly = (
      await api.get<ReportBody>('/reports/activations?groupBy=partner&period=month&from=2026-10-01&to=2026-12-31')
    ).body;
    const row = (id: string | null, period: string) =>
      monthly.items.find((r) => r.partnerAccountId === id && r.period === period);
    assert.deepEqual(row(p1.id, '2026-10'), {
      partnerAccountId: p1.id,
      partnerName: 'Alpha Distribution',
      period: '2026-10',
      activations: 3,
      returns: 0,
      revocations: 0,
      net: 3,
    });
    assert.deepEqual(row(p1.id, '2026-11'), {
      partnerAccountId: p1.id,
      partnerName: 'Alpha Distribution',
      period: '2026-11',
      activations: 2,
      returns: 1,
      revocations: 0,
      net: 1,
    });
    assert.deepEqual(row(p1.id, '2026-12'), {
      partnerAccountId: p1.id,
      partnerName: 'Alpha Distribution',
      period: '2026-12',
      activations: 0,
      returns: 0,
      revocations: 1,
      net: 0,
    });
    assert.equal(row(p2.id, '2026-10')?.activations, 1);
    assert.equal(row(null, '2026-10')?.partnerName, '(sold directly)');
    assert.equal(
      monthly.items.reduce((n: number, r) => n + r.activations, 0),
      7,
      'the test activation is not billed',
    );

    const quarterly = (
      await api.get<ReportBody>('/reports/activations?groupBy=partner&period=quarter&from=2026-10-01&to=2026-12-31')
    ).body;
    assert.deepEqual(
      quarterly.items.find((r) => r.partnerAccountId === p1.id),
      {
        partnerAccountId: p1.id,
        partnerName: 'Alpha Distribution',
        period: '2026-Q4',
        activations: 5,
        returns: 1,
        revocations: 1,
        net: 4,
      },
    );

    const csv = await api.get('/reports/activations?period=quarter&from=2026-10-01&to=2026-12-31', {
      headers: { accept: 'text/csv' },
    });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(csv.text, /^partnerAccountId,partnerName,period,activations,returns,revocations,net\n/);
    assert.ok(csv.text.includes(`${p1.id},Alpha Distribution,2026-Q4,5,1,1,4`));

    const byAccount = (
      await api.get<ReportBody>('/reports/activations?groupBy=account&period=quarter&from=2026-10-01&to=2026-12-31')
    ).body.items;
    assert.equal(byAccount.find((r) => r.accountId === customer.id)?.activations, 5);
    const byProduct = (
      await api.get<ReportBody>('/reports/activations?groupBy=product&period=quarter&from=2026-10-01&to=2026-12-31')
    ).body.items;
    assert.equal(byProduct.find((r) => r.productId === a1.product.id)?.productName, `${a1.product.name} 5.0`);

    const p1Api = api.as(await apiKey(api, 'partner', p1.id));
    const own = (await p1Api.get<ReportBody>('/reports/activations?period=quarter&from=2026-10-01&to=2026-12-31')).body
      .items;
    assert.deepEqual(
      own.map((r) => r.partnerAccountId),
      [p1.id],
      'a partner sees only its own rows',
    );

    for (const period of ['2026-11', '2026-Q4']) {
      const statement = (await p1Api.get<StatementBody>(`/reports/partners/${p1.id}/statement?period=${period}`)).body;
      const reportRow = (
        await api.get<ReportBody>(
          `/reports/activations?period=${period.includes('Q') ? 'quarter' : 'month'}&from=2026-10-01&to=2026-12-31`,
        )
      ).body.items.find((r) => r.partnerAccountId === p1.id && r.period === period);
      assert.ok(reportRow, `a row of ${period}`);
      assert.deepEqual(
        statement.totals,
        {
          activations: reportRow.activations,
          returns: reportRow.returns,
          revocations: reportRow.revocations,
          net: reportRow.net,
        },
        period,
      );
      assert.equal(statement.activations.length, reportRow.activations);
      assert.equal(statement.returns.length, reportRow.returns);
      assert.equal(statement.revocations.length, reportRow.revocations);
      assert.equal(statement.truncated, false);
      const text = JSON.stringify(statement);
      assert.doesNotMatch(text, /Secret End Customer|"o1"|"n1"/, 'no end customer and no raw fingerprint');
      assert.ok(!text.includes(customer.id), 'no end customer account');
      for (const entry of statement.activations) assert.match(entry.device, /^[0-9a-f]{16}$/);
    }
    const q4csv = await api.get(`/reports/partners/${p1.id}/statement?period=2026-Q4`, {
      headers: { accept: 'text/csv' },
    });
    const q4lines = q4csv.text.trim().split('\n');
    assert.equal(q4lines.length, 1 + 5 + 1 + 1);
    assert.equal(q4lines.filter((l) => l.startsWith('revocation,')).length, 1);

    assertProblem(
      await api.as(await apiKey(api, 'partner', p2.id)).get(`/reports/partners/${p1.id}/statement?period=2026-Q4`),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await api.as(await apiKey(api, 'customer', customer.id)).get<ReportBody>('/reports/activations'),
      403,
      'FORBIDDEN',
    );
    assertProblem(await api.get(`/reports/partners/${customer.id}/statement?period=2026-Q4`), 422, 'UNPROCESSABLE');
    assertProblem(await api.get(`/reports/partners/${p1.id}/statement?period=2026-Q5`), 400, 'VALIDATION_FAILED');
    assertProblem(await api.get(`/reports/partners/acc_missing/statement?period=2026-Q4`), 404, 'NOT_FOUND');
    assertProblem(
      await api.get<ReportBody>('/reports/activations?from=2026-12-01&to=2026-11-01'),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await api.get<ReportBody>('/reports/activations?from=2026-01-01&to=9999-12-31'),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(await api.get<ReportBody>('/reports/activations?groupBy=region'), 400, 'VALIDATION_FAILED');
  });
  it('answers reports (written without the schema serializer) that the OpenAPI document describes, and nothing it does not', async () => {
    const { api, url } = server();
    await billingHistory(server(), { direct: true });
    type Doc = {
      components: unknown;
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }>;
    };
    const doc = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as Doc;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020)(ajv);
    ajv.addSchema({ $id: 'licentia:doc', components: doc.components });
    const schemaOf = (path: string) => {
      const schema = doc.paths[path]?.get.responses['200']?.content['application/json']?.schema;
      // Closed, as the answer must be: every member the answer has is one the document declares.
      const closed = JSON.stringify(schema)
        .replaceAll('"#/components/', '"licentia:doc#/components/')
        .replaceAll('"type":"object"', '"type":"object","additionalProperties":false');
      return ajv.compile(JSON.parse(closed));
    };
    for (const [path, queries] of [
      [
        '/api/v1/reports/activations',
        ['partner', 'holder', 'account', 'product'].map(
          (g) => `groupBy=${g}&period=quarter&from=2026-01-01&to=2026-12-31`,
        ),
      ],
      ['/api/v1/reports/keys', ['partner', 'product'].map((g) => `groupBy=${g}&from=2026-01-01&to=2026-12-31`)],
    ] as const) {
      const validate = schemaOf(path);
      for (const query of queries) {
        const r = await api.get(`${path.replace('/api/v1', '')}?${query}`);
        assert.equal(r.status, 200, r.text);
        assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
        assert.ok(r.body.items.length > 0 || path.endsWith('keys'), `${path}?${query} has rows`);
        assert.ok(validate(r.body), `${path}?${query}: ${JSON.stringify(validate.errors)?.slice(0, 500)}`);
      }
    }
  });

  it('bills a make-to-order entitlement sold to a partner without named channel partners to that partner', async () => {
    const { api } = server();
    const p = await partner(api, { name: 'Make To Order Reseller' });
    const customer = await account(api);
    const sold = await activatable(api, { soldTo: p.id });
    const direct = await activatable(api, { soldTo: customer.id });
    await created(api.as(null).post('/activations', { code: sold.code, fingerprint: 'mto-1' }));
    await created(api.as(null).post('/activations', { code: direct.code, fingerprint: 'direct-1' }));
    const period = new Date().toISOString().slice(0, 7);
    const rows = (
      await api.get<ReportBody>(`/reports/activations?groupBy=partner&period=month&from=${period}-01&to=${period}-28`)
    ).body.items;
    assert.equal(rows.find((r) => r.partnerAccountId === p.id)?.activations, 1);
    const partnerApi = api.as(await apiKey(api, 'partner', p.id));
    const statement = (await partnerApi.get<StatementBody>(`/reports/partners/${p.id}/statement?period=${period}`))
      .body;
    assert.equal(statement.totals.activations, 1);
  });

  it("shows each tier its rows: a reseller its own, a distributor its resellers' too, the producer by tier 1 or by holder", async () => {
    const { api } = server();
    const { bulk, partner: distributor, keys } = await bulkWithKeys(api, { keys: someKeys(4) });
    const reseller = await partner(api, { parentAccountId: distributor.id, name: 'Reseller R' });
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    const resellerApi = api.as(await apiKey(api, 'partner', reseller.id));
    const split = await created(
      distributorApi.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 2 }),
    );
    const [resellerKey] = (
      await api.get<PageBody<WebRegisterKeyBody>>(`/entitlements/${split.id}/web-register-keys`)
    ).body.items.map((k) => k.key);
    const theirs = await created(
      resellerApi.post(`/web-register-keys/${resellerKey}/redeem`, { accountName: 'R end' }),
    );
    const own = await created(distributorApi.post(`/web-register-keys/${keys[3]}/redeem`, { accountName: 'D end' }));
    const device = api.as(null);
    const r1 = await created(
      device.post('/activations', { code: theirs.lineItems[0].activationId, fingerprint: 'tier2-pc' }),
    );
    await created(device.post('/activations', { code: own.lineItems[0].activationId, fingerprint: 'tier1-pc' }));
    await created(api.post(`/activations/${r1.activation.id}/revoke`), 200);

    const month = new Date().toISOString().slice(0, 7);
    const range = `period=month&from=${month}-01&to=${new Date().toISOString().slice(0, 10)}`;
    // Other tests of this file activate this month too: only this test's partners and customers count.
    const mine = new Set([distributor.id, reseller.id, theirs.soldTo, own.soldTo]);
    const rows = async (as: typeof api, groupBy: string) =>
      (await as.get<ReportBody>(`/reports/activations?groupBy=${groupBy}&${range}`)).body.items
        .map((r) => [r.partnerAccountId ?? r.accountId, r.activations, r.returns, r.revocations, r.net])
        .filter((r) => mine.has(r[0]));
    assert.deepEqual(
      await rows(resellerApi, 'account'),
      [[theirs.soldTo, 1, 0, 1, 1]],
      'the reseller sees its own row',
    );
    assert.deepEqual(
      new Set((await rows(distributorApi, 'account')).map((r) => r[0])),
      new Set([theirs.soldTo, own.soldTo]),
      "the distributor sees its resellers' rows",
    );
    assert.deepEqual(await rows(api, 'partner'), [[distributor.id, 2, 0, 1, 2]], 'billed to tier 1');
    const byHolder = await rows(api, 'holder');
    assert.deepEqual(
      byHolder.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        [distributor.id, 1, 0, 0, 1],
        [reseller.id, 1, 0, 1, 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const statement = (
      await resellerApi.get<StatementBody>(`/reports/partners/${reseller.id}/statement?period=${month}`)
    ).body;
    assert.deepEqual(statement.totals, { activations: 1, returns: 0, revocations: 1, net: 1 });
    assert.equal(statement.revocations.length, 1);
    const tier1 = (
      await distributorApi.get<StatementBody>(`/reports/partners/${distributor.id}/statement?period=${month}`)
    ).body;
    assert.deepEqual(tier1.totals, { activations: 2, returns: 0, revocations: 1, net: 2 });
    assertProblem(
      await resellerApi.get<StatementBody>(`/reports/partners/${distributor.id}/statement?period=${month}`),
      404,
      'NOT_FOUND',
    );
  });
});
