import assert from 'node:assert/strict';
import { it } from 'node:test';
import { systemActor } from '../../src/domain/actors.ts';
import { createAccount } from '../../src/services/accounts/create-account.ts';
import { preview } from '../../src/services/context.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('previews of a change', (server) => {
  it('answer what the service would do, and keep nothing of it', async () => {
    const { running, api } = server();
    const before = (await api.get('/events?limit=1000')).body.items.length;
    const account = await preview(running.ctx, (ctx) =>
      createAccount(ctx, systemActor, { name: 'Preview only', type: 'customer' }),
    );
    assert.equal(account.name, 'Preview only');
    assert.equal((await api.get(`/accounts/${account.id}`)).status, 404, 'the account was not kept');
    assert.equal((await api.get('/events?limit=1000')).body.items.length, before, 'nor its audit event');
  });

  it('refuse what the service would refuse', async () => {
    const { running } = server();
    await assert.rejects(
      preview(running.ctx, (ctx) =>
        createAccount(ctx, systemActor, { name: 'Orphan', type: 'customer', parentAccountId: 'acc_missing' }),
      ),
      (error: Error & { code?: string }) => error.code === 'UNKNOWN_REFERENCE',
    );
  });
});
