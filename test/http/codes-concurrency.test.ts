import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, created, product, problemOf } from '../support/fixtures.ts';
import type { ApiResponse } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';

/** Statuses of a batch of answers, counted: `{ 201: 1, 409: 19 }`. */
function tally(results: ApiResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describeEachBackend('activation IDs and web register keys under concurrency', (server) => {
  it('20 concurrent entitlements with one chosen activation ID: one is made, the others are 409', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const [code] = someKeys(1, 'CHOSEN');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post('/entitlements', {
          kind: 'simple',
          soldTo: customer.id,
          lineItems: [{ productId: prod.id, quantity: 1, activationId: code }],
        }),
      ),
    );
    assert.deepEqual(
      tally(results),
      { 201: 1, 409: 19 },
      results
        .filter((r) => r.status >= 500)
        .map((r) => r.text)
        .join('\n'),
    );
    for (const r of results.filter((r) => r.status === 409)) assert.equal(problemOf(r).code, 'ALREADY_EXISTS');
    const draft = await created(api.post('/entitlements', { kind: 'simple', soldTo: customer.id, lineItems: [] }));
    const [other] = someKeys(1, 'ADDED');
    const added = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post(`/entitlements/${draft.id}/line-items`, { productId: prod.id, quantity: 1, activationId: other }),
      ),
    );
    assert.deepEqual(tally(added), { 201: 1, 409: 19 });
  });

  it('one code given at once as a web register key and as an activation ID ends up used once', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const stock = await Promise.all(
      Array.from({ length: 10 }, () => bulkWithKeys(api, { productId: prod.id, state: 'draft' })),
    );
    for (let round = 0; round < 3; round++) {
      const [code] = someKeys(1, 'SHARED');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? api.post(`/entitlements/${stock[i / 2]!.bulk.id}/web-register-keys`, { keys: [code] })
            : api.post('/entitlements', {
                kind: 'simple',
                soldTo: customer.id,
                lineItems: [{ productId: prod.id, quantity: 1, activationId: code }],
              }),
        ),
      );
      assert.deepEqual(
        results
          .filter((r) => r.status !== 201 && r.status !== 409 && r.status !== 422)
          .map((r) => `${r.status} ${r.text}`),
        [],
      );
      assert.equal(results.filter((r) => r.status === 201).length, 1, JSON.stringify(tally(results)));
      const asKey = (await api.get(`/web-register-keys/${code}`)).status;
      const asLineItem = (await api.get(`/line-items/${code}`)).status;
      assert.deepEqual([asKey, asLineItem].sort(), [200, 404]);
    }
  });
});
