import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { backends } from '../support/backends.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { spawnServer } from '../support/cli.ts';
import { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';
import { problemOf } from '../support/fixtures.ts';

async function activateConcurrently(apis: Api[], code: string, attempts: number) {
  const results = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      apis[i % apis.length]!.as(null).post('/activations', { code, fingerprint: fingerprint() }),
    ),
  );
  return {
    created: results.filter((r) => r.status === 201),
    exceeded: results.filter((r) => r.status === 409 && problemOf(r).code === 'COUNT_EXCEEDED'),
    other: results
      .filter((r) => r.status !== 201 && !(r.status === 409 && problemOf(r).code === 'COUNT_EXCEEDED'))
      .map((r) => `${r.status} ${r.text}`),
  };
}

describeEachBackend(
  'activation under concurrency',
  (server) => {
    it('50 concurrent activations on a quantity-5 line item: exactly 5 succeed', async () => {
      const { api } = server();
      const { code, entitlement } = await activatable(api, { quantity: 5 });
      const outcome = await activateConcurrently([api], code, 50);
      assert.deepEqual(outcome.other, []);
      assert.equal(outcome.created.length, 5);
      assert.equal(outcome.exceeded.length, 45);
      assert.equal((await api.get(`/line-items/${code}`)).body.activatedCount, 5);
      assert.equal((await api.get(`/activations?entitlement=${entitlement.id}&state=active`)).body.items.length, 5);
    });

    it('50 concurrent activations of one unredeemed key: quantityPerKey succeed, one entitlement is made', async () => {
      const { api } = server();
      const { bulk, partner, keys } = await bulkWithKeys(api, { keys: someKeys(1), fields: { quantityPerKey: 3 } });
      const outcome = await activateConcurrently([api], keys[0]!, 50);
      assert.deepEqual(outcome.other, []);
      assert.equal(outcome.created.length, 3);
      const made = (await api.get(`/entitlements?kind=simple&account=${partner.id}&limit=1000`)).body.items.filter(
        (e) => e.bulkEntitlementId === bulk.id,
      );
      assert.equal(made.length, 1);
      assert.equal(new Set(outcome.created.map((r) => r.body.activation.entitlementId)).size, 1);
      assert.equal(
        (await api.get(`/accounts?parentAccountId=${partner.id}&anonymous=true&limit=1000`)).body.items.length,
        1,
      );
    });

    it('test activations racing cuts of the quantity never leave more active than the quantity', async () => {
      const { api } = server();
      const { code } = await activatable(api, { quantity: 20, state: 'test' });
      const cuts = [12, 8, 5].map((quantity) => api.patch(`/line-items/${code}`, { quantity }));
      const outcome = await activateConcurrently([api], code, 30);
      const answers = await Promise.all(cuts);
      assert.deepEqual(outcome.other, []);
      // A cut below what is in use by then is refused; the others apply.
      assert.deepEqual(
        answers.filter((r) => r.status !== 200 && r.status !== 422).map((r) => r.text),
        [],
      );
      const lineItem = (await api.get(`/line-items/${code}`)).body;
      assert.ok(
        lineItem.activatedCount <= lineItem.quantity,
        `${lineItem.activatedCount} active on a quantity of ${lineItem.quantity}`,
      );
      assert.equal(lineItem.activatedCount, outcome.created.length);
    });

    it('the same device activating 20 times at once gets one activation', async () => {
      const { api } = server();
      const { code } = await activatable(api, { quantity: 5 });
      const fp = fingerprint();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => api.as(null).post('/activations', { code, fingerprint: fp })),
      );
      assert.deepEqual(
        results.filter((r) => r.status !== 200 && r.status !== 201).map((r) => r.text),
        [],
      );
      assert.equal(results.filter((r) => r.status === 201).length, 1);
      assert.equal(new Set(results.map((r) => r.body.activation.id)).size, 1);
      assert.equal((await api.get(`/line-items/${code}`)).body.activatedCount, 1);
    });
  },
  // Refusals of a short key (409 COUNT_EXCEEDED) count as guesses (docs/security.md): these tests
  // send dozens from one address on purpose, so their budget is out of the way.
  { failedAttemptsPerMinute: 10_000 },
);

const postgres = backends.find((b) => b.name === 'postgres');
it('two server processes sharing one PostgreSQL never exceed a line item or a key', {
  skip: postgres?.skip ?? 'no PostgreSQL backend',
}, async () => {
  if (!postgres) return;
  const db = await postgres.freshDatabase();
  const env = { DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: 'two-process-admin-key-0123456789' };
  const one = await spawnServer(env);
  const two = await spawnServer(env);
  try {
    const apis = [
      new Api(`${one.url}/api/v1`, env.LICENTIA_ADMIN_KEY),
      new Api(`${two.url}/api/v1`, env.LICENTIA_ADMIN_KEY),
    ];
    const { code } = await activatable(apis[0]!, { quantity: 5 });
    const lineItem = await activateConcurrently(apis, code, 50);
    assert.deepEqual(lineItem.other, []);
    assert.equal(lineItem.created.length, 5);
    const { keys } = await bulkWithKeys(apis[1]!, { keys: someKeys(1), fields: { quantityPerKey: 2 } });
    const key = await activateConcurrently(apis, keys[0]!, 50);
    assert.deepEqual(key.other, []);
    assert.equal(key.created.length, 2);
    // A return on one process is seen at once by a validation on the other.
    const { activation, license } = lineItem.created[0]!.body;
    assert.equal((await apis[1]!.as(null).post('/licenses/validate', { token: license.token })).body.code, 'VALID');
    assert.equal(
      (await apis[0]!.as(null).post(`/activations/${activation.id}/return`, { token: license.token })).status,
      200,
    );
    let code2 = '';
    for (let i = 0; i < 50 && code2 !== 'RETURNED'; i++) {
      code2 = (await apis[1]!.as(null).post('/licenses/validate', { token: license.token })).body.code;
      if (code2 !== 'RETURNED') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(code2, 'RETURNED');
  } finally {
    await one.stop();
    await two.stop();
    await db.drop();
  }
});
