import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { canMove, entitlementStates, type EntitlementState } from '../../src/domain/entitlement-states.ts';
import { account, product, simpleEntitlement, member, problemOf } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('entitlement state moves (property)', (server) => {
  it('accept exactly the allowed moves, each leaving exactly one audit event', async () => {
    const { api } = server();
    const customer = await account(api);
    const prod = await product(api);
    const state = fc.constantFrom(...entitlementStates);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'draft' | 'test'>('draft', 'test'),
        fc.array(state, { minLength: 1, maxLength: 8 }),
        async (initial, moves) => {
          const e = await simpleEntitlement(api, { soldTo: customer.id, productId: prod.id, state: initial });
          let current: EntitlementState = initial;
          for (const to of moves) {
            const eventsBefore = (await api.get(`/events?entitlement=${e.id}&limit=1000`)).body.items.length;
            const r = await api.post(`/entitlements/${e.id}/state`, { state: to });
            const eventsAfter = (await api.get(`/events?entitlement=${e.id}&limit=1000`)).body.items;
            if (canMove(current, to)) {
              assert.equal(r.status, 200, `${current} → ${to}: ${r.text}`);
              assert.equal(r.body.state, to);
              assert.ok(r.body.lineItems.every((li) => li.state === to));
              assert.equal(eventsAfter.length, eventsBefore + 1);
              assert.deepEqual(
                {
                  action: eventsAfter[0]!.action,
                  from: member(eventsAfter[0]!.before, 'state'),
                  to: member(eventsAfter[0]!.after, 'state'),
                },
                { action: 'entitlement.state-changed', from: current, to },
              );
              current = to;
            } else {
              assert.equal(r.status, 409, `${current} → ${to} must be refused: ${r.text}`);
              assert.equal(problemOf(r).code, 'INVALID_STATE');
              assert.equal(eventsAfter.length, eventsBefore);
            }
            assert.equal((await api.get(`/entitlements/${e.id}`)).body.state, current);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
