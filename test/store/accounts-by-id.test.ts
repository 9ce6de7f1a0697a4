import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Actor } from '../../src/domain/actors.ts';
import { getAccounts } from '../../src/services/accounts/read-accounts.ts';
import { account, partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

const as = (role: 'admin' | 'partner' | 'customer', accountId: string | null): Actor => ({
  type: 'user',
  id: 'user_test',
  role,
  accountId,
  accountAnonymous: false,
});

describeEachBackend('several accounts at once', (server) => {
  it('answers those the actor may see, once each, and leaves out the rest', async () => {
    const { api, running } = server();
    const p = await partner(api);
    const q = await partner(api);
    const mine = await account(api, { parentAccountId: p.id });
    const theirs = await account(api, { parentAccountId: q.id });
    const ids = [p.id, mine.id, q.id, theirs.id, mine.id, 'acc_missing'];
    const sorted = (accounts: { id: string }[]) => accounts.map((a) => a.id).sort();
    assert.deepEqual(
      sorted(await getAccounts(running.ctx, as('admin', null), ids)),
      [p.id, mine.id, q.id, theirs.id].sort(),
    );
    assert.deepEqual(sorted(await getAccounts(running.ctx, as('partner', p.id), ids)), [p.id, mine.id].sort());
    assert.deepEqual(sorted(await getAccounts(running.ctx, as('customer', mine.id), ids)), [mine.id]);
    assert.deepEqual(await getAccounts(running.ctx, as('admin', null), []), []);
  });

  it('refuses the public and overlong lists', async () => {
    const { running } = server();
    await assert.rejects(
      getAccounts(running.ctx, { type: 'public' }, ['acc_x']),
      (e: Error & { code?: string }) => e.code === 'UNAUTHENTICATED',
    );
    const many = Array.from({ length: 1001 }, (_, i) => `acc_${i}`);
    await assert.rejects(
      getAccounts(running.ctx, as('admin', null), many),
      (e: Error & { code?: string }) => e.code === 'VALIDATION_FAILED',
    );
  });
});
