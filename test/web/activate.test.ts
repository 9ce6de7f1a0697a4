import assert from 'node:assert/strict';
import { it } from 'node:test';
import { readLicenseToken } from '../../src/licensing/license-file.ts';
import { createActivationRequest, createDeviceKeyPair } from '../../src/licensing/offline-request.ts';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

/** The licence file a result page offers for download, decoded from its data: link. */
function downloadedFile(html: string): string {
  const base64 = /href="data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)" download="[^"]+\.lic"/.exec(html)?.[1];
  assert.ok(base64, 'the page offers the licence file for download');
  return Buffer.from(base64, 'base64').toString('utf8');
}

describeEachBackend('end customer: activation page', (server) => {
  it('activates with a code, offers the licence file, and answers the same licence for the same device', async () => {
    const { api, url } = server();
    const { code } = await activatable(api, { quantity: 2 });
    const visitor = new PortalClient(url);
    const form = await visitor.get('/activate');
    assert.equal(form.status, 200);
    assert.doesNotMatch(textOf(form.html), /Your name|Email/, 'no personal data asked');
    const device = fingerprint();
    const first = await visitor.post('/activate', {
      code: code.toLowerCase().replaceAll('-', ''),
      fingerprint: device,
      deviceName: 'Design PC 3',
    });
    assert.equal(first.status, 201, textOf(first.html).slice(0, 300));
    const file = downloadedFile(first.html);
    assert.match(file, /-----BEGIN LICENTIA LICENSE-----/);
    const token = readLicenseToken(file);
    const validated = await api.as(null).post('/licenses/validate', { token });
    assert.deepEqual([validated.body.valid, validated.body.code], [true, 'VALID']);
    assert.match(textOf(first.html), /Design PC 3/);

    await visitor.get('/activate');
    const again = await visitor.post('/activate', { code, fingerprint: device });
    assert.equal(again.status, 200);
    assert.equal(readLicenseToken(downloadedFile(again.html)), token, 'the same licence');
    assert.match(textOf(again.html), /already activated/);
    assert.equal((await api.get(`/activations?activationId=${code}`)).body.items.length, 1, 'no second count');
  });

  it('shows refusals beside the field and changes nothing', async () => {
    const { api, url } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const visitor = new PortalClient(url);
    await visitor.get('/activate');
    const missing = await visitor.post('/activate', { code });
    assert.equal(missing.status, 400);
    assert.match(missing.html, /class="field field-invalid"[\s\S]*id="f-fingerprint"/);
    const unknown = await visitor.post('/activate', { code: 'NOPE1-NOPE2-NOPE3-NOPE4', fingerprint: fingerprint() });
    assert.equal(unknown.status, 404);
    assert.match(textOf(unknown.html), /is not a code that can be activated/);
    assert.equal((await visitor.post('/activate', { code, fingerprint: 'bad\u0000print' })).status, 400);
    await visitor.post('/activate', { code, fingerprint: fingerprint() });
    const full = await visitor.post('/activate', { code, fingerprint: fingerprint() });
    assert.equal(full.status, 409);
    assert.match(textOf(full.html), /in use|exceed/i);
    assert.equal((await api.get(`/activations?activationId=${code}`)).body.items.length, 1);
  });

  it('asks for registration only when the bulk entitlement requires it', async () => {
    const { api, url } = server();
    const { keys } = await bulkWithKeys(api, {
      generate: 2,
      fields: { registration: { policy: 'required', fields: ['name', 'email'] } },
    });
    const visitor = new PortalClient(url);
    await visitor.get('/activate');
    const asked = await visitor.post('/activate', { code: keys[0] ?? '', fingerprint: fingerprint() });
    assert.equal(asked.status, 422);
    assert.match(asked.html, /name="\/registration\/name"/);
    assert.match(asked.html, /name="\/registration\/email"/);
    assert.doesNotMatch(asked.html, /name="\/registration\/phone"/, 'only what the policy asks');
    const done = await visitor.post('/activate', {
      code: keys[0] ?? '',
      fingerprint: fingerprint(),
      '/registration/name': 'Ada Lovelace',
      '/registration/email': 'ada@example.com',
    });
    assert.equal(done.status, 201, textOf(done.html).slice(0, 300));
    assert.equal((await api.get(`/web-register-keys/${keys[0]}`)).body.state, 'redeemed');
  });

  it('activates an offline machine from its request file', async () => {
    const { api, url } = server();
    const { code } = await activatable(api);
    const keyPair = createDeviceKeyPair();
    const request = createActivationRequest({
      code,
      fingerprint: 'offline-box',
      deviceName: 'Lab',
      devicePublicKey: keyPair.publicJwk,
    });
    const visitor = new PortalClient(url);
    const page = textOf((await visitor.get('/activate')).html);
    // An end customer is told what to do in the software, not a producer's command.
    assert.doesNotMatch(page, /licentia activation-request/);
    assert.match(page, /open the software and choose its offline activation/);
    assert.match(page, /load it in the software/);
    const r = await visitor.post('/activate/offline', { request });
    assert.equal(r.status, 201, textOf(r.html).slice(0, 300));
    assert.match(downloadedFile(r.html), /BEGIN LICENTIA LICENSE/);
    const bad = await visitor.post('/activate/offline', { request: 'not a request' });
    assert.ok(bad.status >= 400 && bad.status < 500, String(bad.status));
  });

  it('returns a licence from its file, once', async () => {
    const { api, url } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const visitor = new PortalClient(url);
    await visitor.get('/activate');
    const file = downloadedFile((await visitor.post('/activate', { code, fingerprint: fingerprint() })).html);
    await visitor.get('/activate/return');
    const returned = await visitor.post('/activate/return', { license: file });
    assert.equal(returned.status, 200, textOf(returned.html).slice(0, 300));
    assert.match(textOf(returned.html), /The licence is returned/);
    const token = readLicenseToken(file);
    assert.equal((await api.as(null).post('/licenses/validate', { token })).body.code, 'RETURNED');
    assert.equal((await visitor.post('/activate/return', { license: file })).status, 409);
    const garbage = await visitor.post('/activate/return', { license: 'hello' });
    assert.equal(garbage.status, 400);
    assert.match(textOf(garbage.html), /not a licence file/);
  });

  it('refuses a form that does not carry the page token', async () => {
    const { api, url } = server();
    const { code } = await activatable(api);
    const visitor = new PortalClient(url);
    await visitor.get('/activate');
    assert.equal((await visitor.post('/activate', { code, fingerprint: fingerprint() }, { token: null })).status, 403);
    assert.equal((await api.get(`/activations?activationId=${code}`)).body.items.length, 0);
  });
});

describeEachBackend(
  'end customer: activation page guess limits',
  (server) => {
    it('counts wrong codes per address and stops answering with 429', async () => {
      const visitor = new PortalClient(server().url);
      await visitor.get('/activate');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await visitor.post('/activate', { code: `WRONG-${i}-CODE-XYZW`, fingerprint: 'guesser' })).status,
        );
      assert.deepEqual(statuses, [404, 404, 404, 429]);
    });
  },
  { failedAttemptsPerMinute: 3 },
);
