import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { apiKey, assertProblem, created, partner } from '../support/fixtures.ts';
import type { TestServer } from '../support/server.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend(
  'failed guesses are rate-limited per client address',
  (server) => {
    it('after the allowed failures, the route family answers 429 with Retry-After', async () => {
      const { api } = server();
      const device = api.as(null);
      for (let i = 0; i < 5; i++)
        assertProblem(
          await device.post('/activations', { code: `WRONG-${i}-AAAA-BBBB`, fingerprint: fingerprint() }),
          404,
          'NOT_FOUND',
        );
      const limited = await device.post('/activations', { code: 'GUESS-AAAA-BBBB', fingerprint: fingerprint() });
      assertProblem(limited, 429, 'RATE_LIMITED');
      const retryAfter = Number(limited.headers.get('retry-after'));
      // The sliding estimate weighs the previous minute: the wait can run past the window's end, by
      // up to the share of the window one count takes (here 5 allowed: 12 s).
      assert.ok(retryAfter >= 1 && retryAfter <= 72, `Retry-After ${retryAfter}`);
      for (let i = 0; i < 5; i++)
        assert.equal(
          (await device.post('/licenses/validate', { token: `not.a.licence${i}` })).body.code,
          'BAD_SIGNATURE',
        );
      assertProblem(
        await device.post('/licenses/validate', { code: 'GUESS-CCCC', fingerprint: 'x' }),
        429,
        'RATE_LIMITED',
      );
      const p = await partner(api);
      const partnerApi = api.as(await apiKey(api, 'partner', p.id));
      for (let i = 0; i < 5; i++)
        assertProblem(
          await partnerApi.post(`/web-register-keys/NO-SUCH-KEY-${i}/redeem`, { accountName: 'x' }),
          404,
          'NOT_FOUND',
        );
      assertProblem(
        await partnerApi.post('/web-register-keys/NO-SUCH-KEY/redeem', { accountName: 'x' }),
        429,
        'RATE_LIMITED',
      );
      assert.equal((await api.get('/accounts')).status, 200, 'other routes are not affected');
    });
  },
  { failedAttemptsPerMinute: 5 },
);

/** Each case on a server of its own: they all guess from one address, 127.0.0.1. */
function withBudgetOfFive(title: string, body: (server: () => TestServer) => Promise<void>): void {
  describeEachBackend('a guess budget that spares honest devices', (server) => it(title, () => body(server)), {
    failedAttemptsPerMinute: 5,
  });
}

withBudgetOfFive(
  'counts per route family: failed activations do not block validation or redemption',
  async (server) => {
    const { api } = server();
    const device = api.as(null);
    const { code } = await activatable(api, { quantity: 10 });
    const first = await device.post('/activations', { code, fingerprint: fingerprint() });
    assert.equal(first.status, 201);
    for (let i = 0; i < 5; i++)
      assert.equal((await device.post('/activations', { code: `WRONG-${i}-AAAA`, fingerprint: 'x' })).status, 404);
    assertProblem(await device.post('/activations', { code: 'WRONG-X-AAAA', fingerprint: 'x' }), 429, 'RATE_LIMITED');
    const validation = await device.post('/licenses/validate', { token: first.body.license.token });
    assert.equal(validation.status, 200);
    assert.equal(validation.body.code, 'VALID');
    assert.equal((await device.post('/licenses/validate', { code, fingerprint: 'nobody' })).status, 200);
  },
);

withBudgetOfFive(
  'lets a code too long to guess, and a licence this server signed, through an exhausted budget',
  async (server) => {
    const { api } = server();
    const device = api.as(null);
    const { code } = await activatable(api, { quantity: 10 });
    const held = await device.post('/activations', { code, fingerprint: fingerprint() });
    for (let i = 0; i < 5; i++) {
      assert.equal((await device.post('/activations', { code: `BAD-${i}-AAAA`, fingerprint: 'x' })).status, 404);
      assert.equal((await device.post('/licenses/validate', { token: `forged.${i}.x` })).body.code, 'BAD_SIGNATURE');
    }
    assertProblem(await device.post('/activations', { code: 'BAD-X-AAAA', fingerprint: 'x' }), 429, 'RATE_LIMITED');
    assertProblem(await device.post('/licenses/validate', { token: 'forged.y.x' }), 429, 'RATE_LIMITED');
    assert.ok(code.replace(/-/g, '').length >= 16, 'a generated activation ID carries 100 bits');
    assert.equal(
      (await device.post('/activations', { code, fingerprint: fingerprint() })).status,
      201,
      'an honest device behind the same address still activates',
    );
    const valid = await device.post('/licenses/validate', { token: held.body.license.token });
    assert.equal(valid.body.code, 'VALID', 'and a signed licence still validates');
    assert.equal(
      (await device.post('/activations/nope/return', { token: held.body.license.token })).status !== 429,
      true,
      'a signed licence is proof on a return too',
    );
  },
);

withBudgetOfFive(
  'counts a 409 on a short key as a guess (it tells that the key exists), but not on a long one',
  async (server) => {
    const { api } = server();
    const short = ['SHRT-1A', 'SHRT-2A'];
    const { partner: p, keys } = await bulkWithKeys(api, { keys: short });
    const partnerApi = api.as(await apiKey(api, 'partner', p.id));
    await created(partnerApi.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'Short' }));
    for (let i = 0; i < 5; i++)
      assertProblem(
        await partnerApi.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: 'again' }),
        409,
        'ALREADY_REDEEMED',
      );
    assertProblem(
      await partnerApi.post(`/web-register-keys/${keys[1]}/redeem`, { accountName: 'x' }),
      429,
      'RATE_LIMITED',
    );

    const { bulk, partner: q } = await bulkWithKeys(api, { generate: 2 });
    const generated = (await api.get(`/entitlements/${bulk.id}/web-register-keys`)).body.items.map((k: any) => k.key);
    const otherApi = api.as(await apiKey(api, 'partner', q.id));
    await created(otherApi.post(`/web-register-keys/${generated[0]}/redeem`, { accountName: 'Long' }));
    // The short-key failures above already spent this address's budget for keys: a long key still passes.
    for (let i = 0; i < 6; i++)
      assertProblem(
        await otherApi.post(`/web-register-keys/${generated[0]}/redeem`, { accountName: 'again' }),
        409,
        'ALREADY_REDEEMED',
      );
    assert.equal((await otherApi.post(`/web-register-keys/${generated[1]}/redeem`, { accountName: 'y' })).status, 201);
  },
);

withBudgetOfFive(
  'counts a FINGERPRINT_MISMATCH on a short code as a guess (it tells that the code exists), but not on a long one',
  async (server) => {
    const { api } = server();
    const device = api.as(null);
    const { code } = await activatable(api, { quantity: 10 });
    assert.equal((await device.post('/activations', { code, fingerprint: 'the-real-one' })).status, 201);
    for (let i = 0; i < 6; i++)
      assert.equal(
        (await device.post('/licenses/validate', { code, fingerprint: `another-${i}` })).body.code,
        'FINGERPRINT_MISMATCH',
        'a code of at least 80 bits: its mismatches are not guesses',
      );

    const { keys } = await bulkWithKeys(api, { keys: ['SHRT-3A', 'SHRT-4A'] });
    assert.equal((await device.post('/activations', { code: keys[0], fingerprint: 'the-real-one' })).status, 201);
    const first = await device.post('/licenses/validate', { code: keys[1], fingerprint: 'x' });
    assert.equal(first.body.code, 'NOT_FOUND', 'the budget was not spent by the long code');
    for (let i = 0; i < 4; i++)
      assert.equal(
        (await device.post('/licenses/validate', { code: keys[0], fingerprint: `another-${i}` })).body.code,
        'FINGERPRINT_MISMATCH',
      );
    assertProblem(
      await device.post('/licenses/validate', { code: keys[0], fingerprint: 'the-real-one' }),
      429,
      'RATE_LIMITED',
    );
  },
);

describeEachBackend('legitimate bursts are not limited', (server) => {
  it('a hundred real activations from one address all succeed', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 100 });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => api.as(null).post('/activations', { code, fingerprint: fingerprint() })),
    );
    assert.deepEqual(
      results.filter((r) => r.status !== 201).map((r) => r.status),
      [],
    );
    const validations = await Promise.all(
      results.map((r) => api.as(null).post('/licenses/validate', { token: r.body.license.token })),
    );
    assert.ok(validations.every((v) => v.body.code === 'VALID'));
  });
});

describeEachBackend(
  'a ceiling on all requests to public endpoints',
  (server) => {
    it('refuses the requests of an address past the ceiling, with Retry-After', async () => {
      const { api } = server();
      const { code } = await activatable(api, { quantity: 50 });
      for (let i = 0; i < 10; i++)
        assert.equal((await api.as(null).post('/activations', { code, fingerprint: fingerprint() })).status, 201);
      const refused = await api.as(null).post('/licenses/validate', { code, fingerprint: 'x' });
      assertProblem(refused, 429, 'RATE_LIMITED');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal((await api.get('/activations')).status, 200, 'authenticated routes are not counted');
    });
  },
  { publicRequestsPerMinute: 10 },
);
