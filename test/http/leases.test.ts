import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { assertProblem, created } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('floating leases', (server) => {
  const device = () => server().api.as(null);

  it('checks out seats up to quantity + overdraft, heartbeats, releases, and frees expired seats by themselves', async () => {
    const { api, running } = server();
    const { code } = await activatable(api, { quantity: 2, model: { kind: 'floating', leaseSeconds: 60 } });
    const [a, b, c] = [fingerprint(), fingerprint(), fingerprint()];
    const first = await device().post('/leases', { code, fingerprint: a, deviceName: 'render node 1' });
    assert.equal(first.status, 201, first.text);
    const lease = first.body;
    assert.match(lease.id, /^lse_/);
    assert.equal(lease.activationId, code);
    assert.equal(Math.round((Date.parse(lease.expiresAt) - Date.now()) / 1000), 60);
    const header = JSON.parse(Buffer.from(lease.token.split('.')[0]!, 'base64url').toString());
    assert.equal(header.typ, 'licentia-lease+jwt');
    const payload = JSON.parse(Buffer.from(lease.token.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.lic, undefined, 'a lease token is not a licence');
    assert.equal((await device().post('/licenses/validate', { token: lease.token })).body.code, 'BAD_SIGNATURE');

    assert.equal(
      (await device().post('/leases', { code, fingerprint: a })).status,
      200,
      'the same device gets its lease back',
    );
    assert.equal((await device().post('/leases', { code, fingerprint: b })).status, 201);
    assertProblem(await device().post('/leases', { code, fingerprint: c }), 409, 'COUNT_EXCEEDED');

    const beat = await device().post(`/leases/${lease.id}/heartbeat`, { fingerprint: a });
    assert.equal(beat.status, 200, beat.text);
    assert.ok(Date.parse(beat.body.expiresAt) >= Date.parse(lease.expiresAt));
    assertProblem(await device().post(`/leases/${lease.id}/heartbeat`, { fingerprint: c }), 404, 'NOT_FOUND');
    const released = await device().post(`/leases/${lease.id}/release`, { fingerprint: a });
    assert.equal(released.status, 200);
    assert.ok(released.body.releasedAt);
    assertProblem(await device().post(`/leases/${lease.id}/heartbeat`, { fingerprint: a }), 409, 'INVALID_STATE');
    assert.equal((await device().post('/leases', { code, fingerprint: c })).status, 201, 'a released seat is free');

    // Time passes: every lease is past its expiry, and no job ran.
    const realNow = running.ctx.now;
    (running.ctx as { now: () => Date }).now = () => new Date(Date.now() + 61_000);
    try {
      assertProblem(
        await device().post(`/leases/${released.body.id}/heartbeat`, { fingerprint: a }),
        409,
        'INVALID_STATE',
      );
      assert.equal((await device().post('/leases', { code, fingerprint: fingerprint() })).status, 201);
      assert.equal((await device().post('/leases', { code, fingerprint: fingerprint() })).status, 201);
    } finally {
      (running.ctx as { now: () => Date }).now = realNow;
    }
    const events = (await api.get('/events?action=lease.checked-out&limit=10')).body.items;
    assert.ok(events.length >= 4);
  });

  it('refuses node-locked codes, suspended entitlements and unknown codes', async () => {
    const { api } = server();
    const nodeLocked = await activatable(api);
    assertProblem(
      await device().post('/leases', { code: nodeLocked.code, fingerprint: fingerprint() }),
      422,
      'UNPROCESSABLE',
    );
    const floating = await activatable(api, { model: { kind: 'floating' } });
    const lease = (await device().post('/leases', { code: floating.code, fingerprint: 'fp-1' })).body;
    await created(api.post(`/entitlements/${floating.entitlement.id}/state`, { state: 'inactive' }), 200);
    assertProblem(
      await device().post('/leases', { code: floating.code, fingerprint: fingerprint() }),
      409,
      'INVALID_STATE',
    );
    assertProblem(await device().post(`/leases/${lease.id}/heartbeat`, { fingerprint: 'fp-1' }), 409, 'INVALID_STATE');
    assertProblem(
      await device().post('/leases', { code: 'NOPE-NOPE-NOPE-NOPE', fingerprint: fingerprint() }),
      404,
      'NOT_FOUND',
    );
    assertProblem(await device().post('/leases', { code: floating.code }), 400, 'VALIDATION_FAILED');
  });
});
