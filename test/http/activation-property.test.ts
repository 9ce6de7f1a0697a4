import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { activatable } from '../support/activation-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

type Step =
  | { kind: 'activate'; device: number; count: number }
  | { kind: 'return'; pick: number }
  | { kind: 'rehost'; pick: number; device: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('activate' as const),
    device: fc.integer({ min: 0, max: 7 }),
    count: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('return' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('rehost' as const), pick: fc.nat(), device: fc.integer({ min: 0, max: 7 }) }),
);

describeEachBackend('activation counts (property)', (server) => {
  it('after every mix of activations, returns and rehosts: active count ≤ quantity + overdraft, and equals the sum of active activations', async () => {
    const { api } = server();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.array(step, { minLength: 1, maxLength: 14 }),
        async (quantity, overdraft, steps) => {
          run += 1;
          const { code, entitlement } = await activatable(api, { quantity, model: { overdraft } });
          const device = api.as(null);
          const fp = (n: number) => `prop-${process.pid}-${run}-${n}`;
          for (const s of steps) {
            const active = (await api.get(`/activations?entitlement=${entitlement.id}&state=active&limit=1000`)).body
              .items;
            if (s.kind === 'activate') {
              const r = await device.post('/activations', { code, fingerprint: fp(s.device), count: s.count });
              assert.ok([200, 201, 409].includes(r.status), r.text);
            } else if (active.length > 0) {
              const target = active[s.pick % active.length];
              const r =
                s.kind === 'return'
                  ? await api.post(`/activations/${target!.id}/return`)
                  : await api.post(`/activations/${target!.id}/rehost`, { fingerprint: fp(s.device) });
              assert.ok([200, 201, 409, 422].includes(r.status), r.text);
            }
            const after = (await api.get(`/activations?entitlement=${entitlement.id}&state=active&limit=1000`)).body
              .items;
            const sum = after.reduce((n, a) => n + a.count, 0);
            const taken = (await api.get(`/line-items/${code}`)).body.activatedCount;
            assert.equal(taken, sum, 'the count taken equals the sum of active activations');
            assert.ok(taken <= quantity + overdraft, `${taken} > ${quantity} + ${overdraft}`);
            assert.equal(
              new Set(after.map((a) => a.fingerprint)).size,
              after.length,
              'one active activation per device',
            );
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
