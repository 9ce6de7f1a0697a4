import assert from 'node:assert/strict';
import { it } from 'node:test';
import { someKeys } from '../support/bulk-fixtures.ts';
import { account, created, product } from '../support/fixtures.ts';
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
        api.post('/entitlements', { kind: 'simple', soldTo: customer.id, lineItems: [{ productId: prod.id, quantity: 1, activationId: code }] }),
      ),
    );
    assert.deepEqual(tally(results), { 201: 1, 409: 19 }, results.filter((r) => r.status >= 500).map((r) => r.text).join('\n'));
    for (const r of results.filter((r) => r.status === 409)) assert.equal(r.body.code, 'ALREADY_EXISTS');
    const draft = await created(api.post('/entitlements', { kind: 'simple', soldTo: customer.id, lineItems: [] }));
    const [other] = someKeys(1, 'ADDED');
    const added = await Promise.all(
      Array.from({ length: 20 }, () => api.post(`/entitlements/${draft.id}/line-items`, { productId: prod.id, quantity: 1, activationId: other })),
    );
    assert.deepEqual(tally(added), { 201: 1, 409: 19 });
  });
});
