import assert from 'node:assert/strict';
import { it } from 'node:test';
import { apiKey, problemOf } from '../support/fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { backends } from '../support/backends.ts';
import { spawnServer } from '../support/cli.ts';
import { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';

async function redeemConcurrently(apis: Api[], key: string, attempts: number) {
  const results = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      apis[i % apis.length]!.post(`/web-register-keys/${key}/redeem`, { accountName: `Customer ${i}` }),
    ),
  );
  return {
    created: results.filter((r) => r.status === 201),
    refused: results.filter((r) => r.status === 409 && problemOf(r).code === 'ALREADY_REDEEMED'),
    other: results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => `${r.status} ${r.text}`),
  };
}

describeEachBackend(
  'exactly-once redemption',
  (server) => {
    it('50 concurrent redemptions of one key over HTTP: one 201, 49 409s, one entitlement', async () => {
      const { api } = server();
      const { bulk, partner, keys } = await bulkWithKeys(api, { keys: someKeys(1) });
      const partnerApi = api.as(await apiKey(api, 'partner', partner.id));
      const outcome = await redeemConcurrently([partnerApi, api], keys[0]!, 50);
      assert.deepEqual(outcome.other, []);
      assert.equal(outcome.created.length, 1);
      assert.equal(outcome.refused.length, 49);
      const made = await api.get(`/entitlements?kind=simple&account=${partner.id}&limit=1000`);
      assert.equal(made.body.items.filter((e) => e.bulkEntitlementId === bulk.id).length, 1);
      assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
        total: 1,
        unredeemed: 0,
        redeemed: 1,
        void: 0,
      });
      const anonymous = (await api.get(`/accounts?parentAccountId=${partner.id}&anonymous=true&limit=1000`)).body.items;
      assert.equal(anonymous.length, 1, 'the losers left no account behind');
    });
  },
  // Refusals of a short key (409 ALREADY_REDEEMED) count as guesses (docs/security.md): these tests
  // send dozens from one address on purpose, so their budget is out of the way.
  { failedAttemptsPerMinute: 10_000 },
);

const postgres = backends.find((b) => b.name === 'postgres');
it('exactly-once redemption across two server processes sharing one PostgreSQL', {
  skip: postgres?.skip ?? 'no PostgreSQL backend',
}, async () => {
  if (!postgres) return;
  const db = await postgres.freshDatabase();
  const env = {
    DATABASE_URL: db.url,
    LICENTIA_ADMIN_KEY: 'two-process-admin-key-0123456789',
    LICENTIA_FAILED_ATTEMPTS_PER_MINUTE: '10000',
  };
  const one = await spawnServer(env);
  const two = await spawnServer(env);
  try {
    const admin1 = new Api(`${one.url}/api/v1`, env.LICENTIA_ADMIN_KEY);
    const admin2 = new Api(`${two.url}/api/v1`, env.LICENTIA_ADMIN_KEY);
    const { bulk, keys } = await bulkWithKeys(admin1, { keys: someKeys(3) });
    for (const key of keys) {
      const outcome = await redeemConcurrently([admin1, admin2], key, 50);
      assert.deepEqual(outcome.other, []);
      assert.equal(outcome.created.length, 1);
      assert.equal(outcome.refused.length, 49);
    }
    assert.deepEqual((await admin2.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 3,
      unredeemed: 0,
      redeemed: 3,
      void: 0,
    });
  } finally {
    await one.stop();
    await two.stop();
    await db.drop();
  }
});
