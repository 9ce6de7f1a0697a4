import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, apiKey, assertProblem, created, partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import type { KeysReportBody, KeysStatementBody } from '../../src/http/routes/reports.ts';
import type { WebRegisterKeyBody } from '../../src/http/routes/web-register-keys.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';

describeEachBackend('prepaid stock (keys) report', (server) => {
  it('counts keys put in stock, redeemed, voided and split onward per holder and per product, scoped like activations', async () => {
    const { api } = server();
    const distributor = await partner(api);
    const { bulk, keys, productId } = await bulkWithKeys(api, { keys: someKeys(5), partnerId: distributor.id });
    await created(api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 3 }));
    const reseller = await partner(api, { parentAccountId: distributor.id });
    const distributorApi = api.as(await apiKey(api, 'partner', distributor.id));
    const resellerApi = api.as(await apiKey(api, 'partner', reseller.id));
    const split = await created(
      distributorApi.post(`/entitlements/${bulk.id}/split`, { partnerAccountId: reseller.id, count: 2 }),
    );
    const [resellerKey] = (
      await api.get<PageBody<WebRegisterKeyBody>>(`/entitlements/${split.id}/web-register-keys`)
    ).body.items.map((k) => k.key);
    await created(resellerApi.post(`/web-register-keys/${resellerKey}/redeem`, { accountName: 'R customer' }));
    await created(distributorApi.post(`/web-register-keys/${keys[4]}/redeem`, { accountName: 'D customer' }));
    await created(api.post(`/web-register-keys/${keys[3]}/void`), 200);
    // Test stock is not billed.
    await bulkWithKeys(api, { keys: someKeys(4), state: 'test', partnerId: distributor.id, productId });

    const today = new Date().toISOString().slice(0, 10);
    const month = today.slice(0, 7);
    const query = `period=month&from=${month}-01&to=${today}`;
    const mine = new Set([distributor.id, reseller.id, productId]);
    const rows = async (as: typeof api, groupBy: string) =>
      (await as.get<KeysReportBody>(`/reports/keys?groupBy=${groupBy}&${query}`)).body.items
        .filter((r) => mine.has(r.partnerAccountId ?? r.productId ?? ''))
        .map((r) => ({ ...r }));
    const numbers = { period: month, loaded: 0, generated: 0, splitIn: 0, redeemed: 0, voided: 0, splitOnward: 0 };
    const dRow = {
      partnerAccountId: distributor.id,
      partnerName: distributor.name,
      ...numbers,
      loaded: 5,
      generated: 3,
      redeemed: 1,
      voided: 1,
      splitOnward: 2,
    };
    const rRow = { partnerAccountId: reseller.id, partnerName: reseller.name, ...numbers, splitIn: 2, redeemed: 1 };
    const byName = (a: { partnerAccountId?: string | null }, b: { partnerAccountId?: string | null }) =>
      (a.partnerAccountId ?? '').localeCompare(b.partnerAccountId ?? '');
    assert.deepEqual((await rows(api, 'partner')).sort(byName), [dRow, rRow].sort(byName));
    assert.deepEqual(
      (await rows(distributorApi, 'partner')).sort(byName),
      [dRow, rRow].sort(byName),
      "a distributor sees its resellers' stock",
    );
    assert.deepEqual(await rows(resellerApi, 'partner'), [rRow], 'a reseller sees its own');
    const other = await partner(api);
    assert.deepEqual(await rows(api.as(await apiKey(api, 'partner', other.id)), 'partner'), []);

    const byProduct = await rows(api, 'product');
    assert.deepEqual(byProduct, [
      {
        productId,
        productName: byProduct[0]?.productName,
        ...numbers,
        loaded: 5,
        generated: 3,
        splitIn: 2,
        redeemed: 2,
        voided: 1,
        splitOnward: 2,
      },
    ]);
    const quarter = (
      await api.get<KeysReportBody>(`/reports/keys?period=quarter&from=${month}-01&to=${today}`)
    ).body.items.find((r) => r.partnerAccountId === distributor.id);
    assert.ok(quarter);
    assert.match(quarter.period, /^\d{4}-Q[1-4]$/);
    assert.equal(quarter.loaded, 5);

    const statementOf = async (as: typeof api, id: string) =>
      (await as.get<KeysStatementBody>(`/reports/partners/${id}/statement?period=${month}&kind=keys`)).body;
    const rs = await statementOf(resellerApi, reseller.id);
    assert.equal(rs.kind, 'keys');
    assert.deepEqual(rs.totals, { loaded: 0, generated: 0, splitIn: 2, redeemed: 1, voided: 0, splitOnward: 0 });
    assert.deepEqual(
      rs.redeemed.map((l) => [l.key, l.stockId, typeof l.entitlementId]),
      [[resellerKey, split.id, 'string']],
    );
    const ds = await statementOf(distributorApi, distributor.id);
    assert.deepEqual(
      ds.totals,
      { loaded: 5, generated: 3, splitIn: 2, redeemed: 2, voided: 1, splitOnward: 2 },
      "the distributor's stock and its reseller's",
    );
    assert.deepEqual(
      ds.voided.map((l) => l.key),
      [keys[3]],
    );
    assertProblem(
      await resellerApi.get(`/reports/partners/${distributor.id}/statement?period=${month}&kind=keys`),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await api.get(`/reports/partners/${distributor.id}/statement?period=${month}&kind=stock`),
      400,
      'VALIDATION_FAILED',
    );
    const statementCsv = await api.get(`/reports/partners/${distributor.id}/statement?period=${month}&kind=keys`, {
      headers: { accept: 'text/csv' },
    });
    assert.match(statementCsv.text, /^kind,at,key,stockId,entitlementId\n/);
    assert.equal(statementCsv.text.trim().split('\n').length, 1 + 2 + 1);

    const csv = await api.get(`/reports/keys?${query}`, { headers: { accept: 'text/csv' } });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(
      csv.text,
      /^partnerAccountId,partnerName,period,loaded,generated,splitIn,redeemed,voided,splitOnward\n/,
    );
    assert.ok(csv.text.includes(`${distributor.id},${distributor.name},${month},5,3,0,1,1,2`), csv.text);
  });

  it('refuses bad requests and callers without a partner account', async () => {
    const { api } = server();
    assertProblem(await api.get('/reports/keys?groupBy=account'), 400, 'VALIDATION_FAILED');
    assertProblem(await api.get('/reports/keys?period=week'), 400, 'VALIDATION_FAILED');
    assertProblem(await api.get('/reports/keys?from=2026-12-01&to=2026-11-01'), 400, 'VALIDATION_FAILED');
    assertProblem(await api.get('/reports/keys?from=2026-13-01'), 400, 'VALIDATION_FAILED');
    const customer = await account(api);
    assertProblem(await api.as(await apiKey(api, 'customer', customer.id)).get('/reports/keys'), 403, 'FORBIDDEN');
    assertProblem(await api.as(null).get('/reports/keys'), 401, 'UNAUTHENTICATED');
  });
});
