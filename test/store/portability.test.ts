import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAccounts, insertAccount, findAccount } from '../../src/store/accounts.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { appendChainedEvents, listEvents } from '../../src/store/events.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { backends, type FreshDatabase } from '../support/backends.ts';

/** The same migration means the same thing on both databases: flags, JSON and timestamps round-trip. */
for (const backend of backends) {
  describe(`store portability [${backend.name}]`, { skip: backend.skip }, () => {
    let db: FreshDatabase;
    let store: Store;
    before(async () => {
      db = await backend.freshDatabase();
      store = openStore({ url: db.url });
      await migrateToLatest(store);
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    it('migrates idempotently', async () => {
      assert.deepEqual((await migrateToLatest(store)).applied, []);
    });

    it('round-trips flags as booleans and text verbatim', async () => {
      const at = new Date().toISOString();
      const name = `Zoë "Ltd" \\ ' \u202e ${'x'.repeat(500)}`;
      await insertAccount(store.db, {
        id: 'acc_flag1',
        name,
        type: 'customer',
        parentAccountId: null,
        anonymous: true,
        createdAt: at,
        updatedAt: at,
      });
      await insertAccount(store.db, {
        id: 'acc_flag0',
        name: 'b',
        type: 'customer',
        parentAccountId: null,
        anonymous: false,
        createdAt: at,
        updatedAt: at,
      });
      const one = await findAccount(store.db, 'acc_flag1');
      assert.equal(one?.anonymous, true);
      assert.equal(one?.name, name);
      assert.equal(one?.createdAt, at);
      assert.equal((await findAccount(store.db, 'acc_flag0'))?.anonymous, false);
      const anonymous = await listAccounts(store.db, { kind: 'all' }, { anonymous: true }, {});
      assert.deepEqual(
        anonymous.items.map((a) => a.id),
        ['acc_flag1'],
      );
    });

    it('round-trips JSON and orders ISO timestamps the same way', async () => {
      const payload = { nested: { list: [1, 'two', null, true], emoji: '🙂', quote: '"' }, n: 1.5 };
      const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '2026-12-31T23:59:59.999Z'];
      for (const [i, at] of times.entries()) {
        await appendChainedEvents(store.db, [
          {
            id: `evt_${i}`,
            at,
            actor: 'system',
            action: 'test.json',
            subjectType: 't',
            subjectId: 's',
            before: null,
            after: payload,
          },
        ]);
      }
      const page = await listEvents(store.db, { action: 'test.json', from: times[1] }, {});
      assert.deepEqual(
        page.items.map((e) => e.at),
        [times[2], times[1]],
      );
      assert.deepEqual(page.items[0]?.after, payload);
      assert.equal(page.items[0]?.before, null);
    });
  });
}
