import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { account, partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import { verifyAuditChain } from '../../src/services/events/audit-chain.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
/** Few line items at a time, many activations each: a server's pool holds ten transactions. */
const LINE_ITEMS = 2;
const ACTIVATIONS_EACH = 8;
/** The race is one of timing: a few rounds make a meeting of chains (1 in 64 per pair) all but certain. */
const ROUNDS = 12;

describeEachBackend(
  'the audit chain under concurrency',
  (server, backend) => {
    const retries = async (): Promise<number> => {
      const r = await fetch(`${server().url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(r.status, 200);
      let total = 0;
      for (const line of (await r.text()).split('\n'))
        if (line.startsWith('licentia_db_transaction_retries_total{')) total += Number(line.split(' ').at(-1));
      return total;
    };

    // An activation takes its line item's count and a transfer locks the line item; each appends
    // its audit events, taking their chains' heads, at its commit. Were an activation to take its
    // chain's head before the count (as it once did), a transfer holding the line item and
    // reaching for that head at its commit would deadlock with it whenever their chains meet.
    it('activations racing transfers of their line items: no deadlock, no 5xx, counts and chains intact', async () => {
      const { api, running } = server();
      const distributor = await partner(api);
      const endCustomer = await account(api, { parentAccountId: distributor.id, anonymous: true });
      for (let round = 0; round < ROUNDS; round++) await race(distributor.id, endCustomer.id);
      assert.deepEqual((await verifyAuditChain(running.ctx)).breaks, []);
    });

    async function race(distributorId: string, endCustomerId: string): Promise<void> {
      const { api } = server();
      const codes: string[] = [];
      for (let i = 0; i < LINE_ITEMS; i++)
        codes.push(
          (
            await activatable(api, {
              soldTo: distributorId,
              quantity: 100,
              fields: { channelPartners: [{ accountId: distributorId, tier: 'tier1' }] },
            })
          ).code,
        );
      const retriedBefore = await retries();

      // The transfer amid the activations: those that arrive while it holds the line item wait for it.
      const activate = (code: string) => api.as(null).post('/activations', { code, fingerprint: fingerprint() });
      const requests = codes.flatMap((code) => [
        api.post(`/line-items/${code}/transfer`, { accountId: endCustomerId, activations: 'move' }),
        ...Array.from({ length: ACTIVATIONS_EACH }, () => activate(code)),
      ]);
      const answers = await Promise.all(requests);
      const unexpected = answers
        .filter((r) => !(r.status === 201 || (r.status === 409 && r.body.code === 'INVALID_STATE')))
        .map((r) => `${r.status} ${r.text}`);
      assert.deepEqual(unexpected, [], 'activations 201 (or 409 once transferred), transfers 201');

      if (backend.name === 'postgres')
        assert.equal((await retries()) - retriedBefore, 0, 'no transaction was retried (a deadlock is retried)');

      for (const [i, code] of codes.entries()) {
        const transfer = answers[i * (ACTIVATIONS_EACH + 1)];
        assert.equal(transfer?.status, 201, transfer?.text);
        const activated = answers
          .slice(i * (ACTIVATIONS_EACH + 1) + 1, (i + 1) * (ACTIVATIONS_EACH + 1))
          .filter((r) => r.status === 201).length;
        const moved = transfer?.body.newLineItem;
        assert.equal(moved.activatedCount, activated, `${code}: every activation before the transfer moved with it`);
      }
    }
  },
  { auditChain: true, metricsToken: TOKEN },
);
