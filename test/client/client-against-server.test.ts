import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { FloatingSeat, LicenseStore, LicentiaClient, LicentiaError, verifyOffline } from '../../src/client/index.ts';
import {
  createActivationRequest,
  createDeviceKeyPair,
  createReturnRequest,
} from '../../src/licensing/offline-request.ts';
import { activatable } from '../support/activation-fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'licentia-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describeEachBackend('the client library against a real server', (server, backend) => {
  it('activates, stores the licence, verifies it offline with pinned keys, validates online, returns it', async () => {
    const { api, url } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const client = new LicentiaClient({ baseUrl: url });
    const jwks = await client.fetchJwks();
    const first = await client.activate({ code, fingerprint: 'client-box', deviceName: 'dev' });
    assert.equal(first.created, true);
    const again = await client.activate({ code, fingerprint: 'client-box' });
    assert.equal(again.created, false);
    assert.equal(again.license.token, first.license.token);
    const store = new LicenseStore(join(dir, `${backend.name}-licence.lic`));
    await store.save(first.license.file);
    const offline = await verifyOffline((await store.load()) ?? '', { jwks, fingerprint: 'client-box' });
    assert.equal(offline.code, 'VALID');
    assert.equal(
      (await verifyOffline(first.license.token, { jwks, fingerprint: 'other' })).code,
      'FINGERPRINT_MISMATCH',
    );
    assert.equal((await client.validate({ token: first.license.token })).code, 'VALID');
    await assert.rejects(
      client.activate({ code, fingerprint: 'second-box' }),
      (e: unknown) => e instanceof LicentiaError && e.status === 409 && e.code === 'COUNT_EXCEEDED',
    );
    const returned = await client.returnActivation({ license: first.license.file });
    assert.equal(returned.state, 'returned');
    assert.equal((await client.validate({ token: first.license.token })).code, 'RETURNED');
    assert.equal((await client.activate({ code, fingerprint: 'second-box' })).created, true);
    await assert.rejects(
      client.activate({ code: 'NOPE-NOPE-NOPE-NOPE', fingerprint: 'x' }),
      (e: unknown) => e instanceof LicentiaError && e.status === 404,
    );
  });

  it('holds a floating seat with heartbeats and gives it back on close', async () => {
    const { api, url } = server();
    const { code } = await activatable(api, { quantity: 1, model: { kind: 'floating', leaseSeconds: 30 } });
    const client = new LicentiaClient({ baseUrl: url });
    const seat = await FloatingSeat.checkout(client, { code, fingerprint: 'seat-1' }, { heartbeatIntervalMs: 1000 });
    assert.equal(seat.state, 'held');
    await assert.rejects(
      client.checkoutLease({ code, fingerprint: 'seat-2' }),
      (e: unknown) => e instanceof LicentiaError && e.code === 'COUNT_EXCEEDED',
    );
    const firstExpiry = Date.parse(seat.lease.expiresAt);
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(Date.parse(seat.lease.expiresAt) > firstExpiry, 'the heartbeat extended the lease');
    await seat.close();
    assert.equal(seat.state, 'closed');
    const other = await client.checkoutLease({ code, fingerprint: 'seat-2' });
    assert.equal(other.fingerprint, 'seat-2');
  });

  it('activates offline and returns with a signed request', async () => {
    const { api, url } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const client = new LicentiaClient({ baseUrl: url });
    const device = createDeviceKeyPair();
    const activated = await client.activateOffline(
      createActivationRequest({
        code,
        fingerprint: 'offline-client',
        deviceName: 'lab',
        devicePublicKey: device.publicJwk,
      }),
    );
    assert.equal(activated.activation.offline, true);
    const returned = await client.returnOffline(
      createReturnRequest({
        activationId: activated.activation.id,
        fingerprint: 'offline-client',
        devicePrivateKey: device.privateKey,
      }),
    );
    assert.equal(returned.state, 'returned');
  });
});
