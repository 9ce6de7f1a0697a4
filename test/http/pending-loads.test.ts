import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/store/database.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, created, product } from '../support/fixtures.ts';
import type { ApiResponse } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';

/** How many keys pending loads hold (written, not yet visible). */
async function pendingKeys(db: Db): Promise<number> {
  const r = await sql<{ n: number | string }>`
    select count(*) as n from web_register_keys where load_id in (select id from pending_key_loads)`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

async function pendingLoadRows(db: Db): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from pending_key_loads`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Waits until a load has committed at least one chunk and is not finished. */
async function untilPendingKeys(db: Db, finished: () => boolean): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (finished()) assert.fail('the load finished before a chunk of it could be seen pending');
    if ((await pendingKeys(db)) > 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail('no chunk of the load was written');
}

describeEachBackend('big key loads written as pending loads', (server) => {
  it('while a big load is pending, other writers and reads are answered, its keys are invisible and unredeemable, and its codes are taken', async () => {
    const { api, running } = server();
    const db = running.ctx.store.db;
    const { bulk, partner } = await bulkWithKeys(api, { keys: someKeys(1) });
    const keys = someKeys(300_000, 'BIG');
    let answer: ApiResponse | undefined;
    const loading = api
      .request('POST', `/entitlements/${bulk.id}/web-register-keys`, { raw: keys.join('\n') })
      .then((r) => {
        answer = r;
        return r;
      });
    await untilPendingKeys(db, () => answer !== undefined);

    // A writer of the code namespace (an entitlement with a chosen activation ID) and reads.
    const customer = await account(api);
    const prod = await product(api);
    const [free] = someKeys(1, 'FREE');
    const made = await api.post('/entitlements', {
      kind: 'simple',
      soldTo: customer.id,
      lineItems: [{ productId: prod.id, quantity: 1, activationId: free }],
    });
    assert.equal(made.status, 201, made.text);
    const stock = await api.get(`/entitlements/${bulk.id}`);
    assert.equal(stock.status, 200);
    assert.equal(stock.body.webRegisterKeys.total, 1, 'the pending keys are not counted');
    const listed = await api.get(`/entitlements/${bulk.id}/web-register-keys?limit=10`);
    assert.deepEqual(
      listed.body.items.map((k: { key: string }) => k.key.startsWith('BIG')),
      [false],
      'the pending keys are not listed',
    );
    // The first chunk is written: its first key holds its code but is not a key yet.
    const first = keys[0] ?? '';
    assert.equal((await api.get(`/web-register-keys/${first}`)).status, 404);
    const redeem = await api.post(`/web-register-keys/${first}/redeem`, { accountName: 'Too early' });
    assert.equal(redeem.status, 404, redeem.text);
    const void_ = await api.post(`/entitlements/${bulk.id}/web-register-keys/void`, { keys: [first] });
    assert.equal(void_.status, 409, void_.text);
    assert.deepEqual(void_.body.rejected, [{ key: first, reason: 'not-found' }]);
    const clash = await api.post('/entitlements', {
      kind: 'simple',
      soldTo: customer.id,
      lineItems: [{ productId: prod.id, quantity: 1, activationId: first }],
    });
    assert.equal(clash.status, 409, clash.text);
    assert.equal(clash.body.code, 'ALREADY_EXISTS');
    const other = await created(
      api.post('/entitlements', {
        kind: 'bulk',
        productId: prod.id,
        state: 'draft',
        channelPartners: [{ accountId: partner.id, tier: 'tier1' }],
      }),
    );
    const rival = await api.post(`/entitlements/${other.id}/web-register-keys`, { keys: [first, ...someKeys(2)] });
    assert.equal(rival.status, 422, rival.text);
    assert.equal(rival.body.code, 'KEYS_REJECTED');
    assert.deepEqual(rival.body.rejected, [{ key: first, reason: 'already-exists' }]);

    // All of that was answered while the load was still pending: it did not wait for the load.
    assert.equal(answer, undefined, 'the load had not answered yet');
    assert.ok((await pendingLoadRows(db)) > 0, 'the load was still pending');

    const done = await loading;
    assert.equal(done.status, 201, done.text);
    assert.equal(done.body.added, keys.length);
    assert.equal((await pendingLoadRows(db)) + (await pendingKeys(db)), 0);
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys.unredeemed, keys.length + 1);
    assert.equal((await api.get(`/web-register-keys/${first}`)).status, 200);
    const redeemed = await api.post(`/web-register-keys/${first}/redeem`, { accountName: 'Now' });
    assert.equal(redeemed.status, 201, redeemed.text);
    assert.equal((await api.get(`/entitlements/${other.id}`)).body.webRegisterKeys.total, 0);
  });

  it('a load that fails in a later chunk leaves no key, no pending load and no count behind', async () => {
    const { api, running } = server();
    const db = running.ctx.store.db;
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1) });
    const keys = someKeys(75_000, 'FAIL');
    keys[70_000] = 'not a key!';
    const r = await api.request('POST', `/entitlements/${bulk.id}/web-register-keys`, { raw: keys.join('\n') });
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.body.rejected, [{ key: 'not a key!', reason: 'invalid' }]);
    const loaded = await sql<{ n: number | string }>`
      select count(*) as n from web_register_keys k join entitlements e on e.pk = k.entitlement_pk
      where e.id = ${bulk.id}`.execute(db);
    assert.equal(Number(loaded.rows[0]?.n), 1, 'only the key loaded before');
    assert.equal(await pendingLoadRows(db), 0);
    assert.deepEqual((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys, {
      total: 1,
      unredeemed: 1,
      redeemed: 0,
      void: 0,
    });
    // Its codes are free again.
    const again = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { keys: keys.slice(0, 3) });
    assert.equal(again.status, 201, again.text);
  });

  it('deleting a draft stock while a big load writes into it ends the load (409) and deletes everything, never a 500', async () => {
    const { api, running } = server();
    const db = running.ctx.store.db;
    // Several rounds: the delete must meet a chunk in the middle of its transaction at least once.
    for (let round = 0; round < 3; round++) {
      const { bulk } = await bulkWithKeys(api, { keys: someKeys(1, `DEL${round}`), state: 'draft' });
      let answer: ApiResponse | undefined;
      const loading = api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 200_000 }).then((r) => {
        answer = r;
        return r;
      });
      await untilPendingKeys(db, () => answer !== undefined);
      const deleted = await api.delete(`/entitlements/${bulk.id}`);
      assert.equal(deleted.status, 204, deleted.text);
      const ended = await loading;
      assert.equal(ended.status, 409, ended.text);
      assert.equal(ended.body.code, 'INVALID_STATE');
      assert.equal((await api.get(`/entitlements/${bulk.id}`)).status, 404);
      assert.equal((await pendingLoadRows(db)) + (await pendingKeys(db)), 0, 'no pending load or key is left');
      const orphans = await sql<{ n: number | string }>`
        select count(*) as n from web_register_keys k
        where not exists (select 1 from entitlements e where e.pk = k.entitlement_pk)`.execute(db);
      assert.equal(Number(orphans.rows[0]?.n), 0, 'no key outlives its stock');
    }
  });

  it('a generated load is written in chunks too, and other writers go on meanwhile', async () => {
    const { api, running } = server();
    const db = running.ctx.store.db;
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1) });
    let answer: ApiResponse | undefined;
    const loading = api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 200_000 }).then((r) => {
      answer = r;
      return r;
    });
    await untilPendingKeys(db, () => answer !== undefined);
    const customer = await account(api);
    assert.equal(answer, undefined, 'a writer was answered while the generated load was pending');
    assert.ok(customer.id);
    const done = await loading;
    assert.equal(done.status, 201, done.text);
    assert.equal(done.body.added, 200_000);
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys.total, 200_001);
  });

  it('a twin of a pending load with the same Idempotency-Key is told it is still processed, and replayed after', async () => {
    const { api, running } = server();
    const db = running.ctx.store.db;
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1) });
    const headers = { 'idempotency-key': `twin-${process.pid}-${Date.now()}` };
    let answer: ApiResponse | undefined;
    const loading = api
      .post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 150_000 }, { headers })
      .then((r) => {
        answer = r;
        return r;
      });
    await untilPendingKeys(db, () => answer !== undefined);
    const twin = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 150_000 }, { headers });
    assert.equal(twin.status, 409, twin.text);
    assert.equal(twin.body.code, 'IDEMPOTENCY_CONFLICT');
    assert.equal(answer, undefined, 'the twin was answered while the first load was pending');
    const done = await loading;
    assert.equal(done.status, 201, done.text);
    const retry = await api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: 150_000 }, { headers });
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.body.loadId, done.body.loadId, 'the first answer, replayed');
    assert.equal((await api.get(`/entitlements/${bulk.id}`)).body.webRegisterKeys.total, 150_001);
  });
});
