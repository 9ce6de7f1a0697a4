import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { apiKey, assertProblem, partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend(
  'failed guesses are rate-limited per client address',
  (server) => {
    it('after the allowed failures, activation, validation and redemption answer 429 with Retry-After', async () => {
      const { api } = server();
      const { code } = await activatable(api, { quantity: 10 });
      const device = api.as(null);
      for (let i = 0; i < 3; i++)
        assertProblem(
          await device.post('/activations', { code: `WRONG-${i}-AAAA-BBBB`, fingerprint: fingerprint() }),
          404,
          'NOT_FOUND',
        );
      assert.equal((await device.post('/licenses/validate', { token: 'not.a.licence' })).body.code, 'BAD_SIGNATURE');
      assert.equal(
        (await device.post('/licenses/validate', { code: 'WRONG-WRONG', fingerprint: 'x' })).body.code,
        'NOT_FOUND',
      );
      const limited = await device.post('/activations', { code, fingerprint: fingerprint() });
      assertProblem(limited, 429, 'RATE_LIMITED');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assertProblem(await device.post('/licenses/validate', { code, fingerprint: 'x' }), 429, 'RATE_LIMITED');
      const p = await partner(api);
      assertProblem(
        await api
          .as(await apiKey(api, 'partner', p.id))
          .post('/web-register-keys/NO-SUCH-KEY/redeem', { accountName: 'x' }),
        429,
        'RATE_LIMITED',
      );
      assert.equal((await api.get('/accounts')).status, 200, 'other routes are not affected');
    });
  },
  { failedAttemptsPerMinute: 5 },
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
