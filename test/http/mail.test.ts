import assert from 'node:assert/strict';
import { after, beforeEach, it } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { runCliAsync } from '../support/cli.ts';
import { account, apiKey, assertProblem, created, partner, product } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { TestSmtpServer } from '../support/smtp.ts';
import { describeEachBackend } from '../support/suite.ts';

const smtp = await TestSmtpServer.start();
const files = mkdtempSync(join(tmpdir(), 'licentia-mail-test-'));
after(async () => {
  await smtp.close();
  rmSync(files, { recursive: true, force: true });
});

/** Whether `licentia verify` (the command, against the server's JWKS) accepts a licence file. */
async function verifies(baseUrl: string, file: string, device: string): Promise<string> {
  const path = join(files, `${device}.lic`);
  writeFileSync(path, file);
  const r = await runCliAsync(['verify', path, '--jwks', `${baseUrl}/.well-known/jwks.json`, '--fingerprint', device]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

/** Waits until no message is queued (each one sent or failed), then forgets what arrived so far. */
async function settled(api: Api, forget = true): Promise<void> {
  for (let i = 0; ; i++) {
    const queued = await api.get('/messages?status=queued&limit=1');
    if (queued.body.items.length === 0) break;
    if (i > 500) throw new Error('messages stay queued');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (forget) smtp.received.length = 0;
}

function attachmentText(message: { parsed: { attachments: { filename?: string; content: Buffer }[] } }) {
  const [attachment] = message.parsed.attachments;
  assert.ok(attachment, 'one attachment');
  return { filename: attachment.filename ?? '', text: attachment.content.toString('utf8') };
}

const mail = {
  ...defaultConfig.mail,
  smtpUrl: smtp.url,
  from: 'licences@producer.example',
  producerName: 'Producer Inc',
  supportEmail: 'help@producer.example',
};

describeEachBackend(
  'mail through SMTP',
  (server) => {
    beforeEach(() => {
      smtp.received.length = 0;
      smtp.attempts = 0;
      smtp.verdict = () => undefined;
    });

    it('deploying a simple entitlement with a ship-to address mails its certificate', async () => {
      const { api } = server();
      const owner = await account(api);
      const first = await product(api, { name: 'Studio <b>Pro</b>', version: '5.0' });
      const second = await product(api);
      const entitlement = await created(
        api.post('/entitlements', {
          kind: 'simple',
          soldTo: owner.id,
          shipToEmail: 'buyer@customer.example',
          lineItems: [
            { productId: first.id, quantity: 3, startDate: '2026-01-01', expirationDate: '2027-01-01' },
            { productId: second.id, quantity: 1 },
          ],
        }),
      );
      await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
      const [message] = await smtp.waitFor(1);
      assert.ok(message);
      assert.deepEqual(message.to, ['buyer@customer.example']);
      const parsed = message.parsed;
      assert.equal(parsed.subject, `Your entitlement ${entitlement.id} from Producer Inc`);
      assert.equal(parsed.from?.value[0]?.address, 'licences@producer.example');
      const text = parsed.text ?? '';
      const html = typeof parsed.html === 'string' ? parsed.html : '';
      for (const li of entitlement.lineItems) {
        assert.ok(text.includes(li.activationId), 'text part carries each activation ID');
        assert.ok(html.includes(li.activationId), 'HTML part carries each activation ID');
      }
      assert.ok(text.includes('Studio <b>Pro</b> 5.0'));
      assert.ok(html.includes('Studio &lt;b&gt;Pro&lt;/b&gt; 5.0'), 'names are escaped in HTML');
      assert.ok(!html.includes('<b>Pro</b>'));
      assert.ok(text.includes('from 2026-01-01, until 2027-01-01'));
      assert.match(text, /To activate: http:\/\/\S+\/activate/);
      assert.ok(text.includes('help@producer.example'));
    });

    it('mails the licence of an activation, attached, and it verifies with licentia verify', async () => {
      const { api, url } = server();
      const { code } = await activatable(api, { fields: { shipToEmail: 'it@customer.example' } });
      await settled(api);
      const device = fingerprint();
      const activation = await created(api.as(null).post('/activations', { code, fingerprint: device }));
      const queued = await api.post(`/activations/${activation.activation.id}/email`, {});
      assert.equal(queued.status, 202, queued.text);
      assert.equal(queued.body.kind, 'license');
      assert.equal(queued.body.to, 'it@customer.example');
      const [message] = await smtp.waitFor(1);
      assert.ok(message);
      assert.deepEqual(message.to, ['it@customer.example']);
      assert.match(message.parsed.subject ?? '', /^Your licence for /);
      assert.ok((message.parsed.text ?? '').includes(device));
      assert.ok(typeof message.parsed.html === 'string' && message.parsed.html.includes(device));
      const { filename, text } = attachmentText(message);
      assert.match(filename, /\.lic$/);
      assert.match(await verifies(url, text, device), /\nVALID/);

      const elsewhere = await api.post(`/activations/${activation.activation.id}/email`, {
        to: 'boss@customer.example',
      });
      assert.equal(elsewhere.status, 202, elsewhere.text);
      const [, second] = await smtp.waitFor(2);
      assert.deepEqual(second?.to, ['boss@customer.example']);

      const listed = await api.get('/messages?kind=license');
      assert.equal(listed.status, 200);
      const mine = listed.body.items.find((m: { id: string }) => m.id === queued.body.id);
      assert.equal(mine.status, 'sent');
      assert.equal(mine.attempts, 1);
      assert.equal(typeof mine.sentAt, 'string');
    });

    it('an entitlement with emailLicenses mails every new licence to its ship-to address', async () => {
      const { api, url } = server();
      const { code, entitlement } = await activatable(api, {
        fields: { shipToEmail: 'licences@customer.example', emailLicenses: true },
      });
      assert.equal(entitlement.emailLicenses, true);
      await settled(api);
      const device = fingerprint();
      await created(api.as(null).post('/activations', { code, fingerprint: device }));
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['licences@customer.example']);
      assert.match(await verifies(url, attachmentText(message as never).text, device), /\nVALID/);
      // A repeat activation of the same device is the same licence: nothing more is mailed.
      const repeat = await api.as(null).post('/activations', { code, fingerprint: device });
      assert.equal(repeat.status, 200);
      const sent = (await api.get('/messages?kind=license')).body.items.filter(
        (m: { reference: string }) => m.reference === repeat.body.activation.id,
      );
      assert.equal(sent.length, 1);
    });

    it('refuses bad requests to mail a licence, changing nothing', async () => {
      const { api } = server();
      const { code } = await activatable(api);
      const activation = await created(api.as(null).post('/activations', { code, fingerprint: fingerprint() }));
      const id = activation.activation.id;
      const before = (await api.get('/messages')).body.items.length;
      assertProblem(await api.post(`/activations/${id}/email`, {}), 422, 'UNPROCESSABLE');
      for (const to of [
        'not-an-address',
        'a@b.example\r\nBcc: x@evil.example',
        'Name <a@b.example>',
        'a@b.example, c@d.example',
      ]) {
        assertProblem(await api.post(`/activations/${id}/email`, { to }), 400, 'VALIDATION_FAILED');
      }
      assertProblem(
        await api.post(`/activations/${id}/email`, { to: 'a@b.example', cc: 'x@y.example' }),
        400,
        'VALIDATION_FAILED',
      );
      assertProblem(await api.post('/activations/act_nope/email', { to: 'a@b.example' }), 404, 'NOT_FOUND');
      assertProblem(await api.as(null).post(`/activations/${id}/email`, { to: 'a@b.example' }), 401, 'UNAUTHENTICATED');
      const stranger = await apiKey(api, 'partner', (await partner(api)).id);
      assertProblem(await api.as(stranger).post(`/activations/${id}/email`, { to: 'a@b.example' }), 404, 'NOT_FOUND');
      await created(api.post(`/activations/${id}/return`, {}), 200);
      assertProblem(await api.post(`/activations/${id}/email`, { to: 'a@b.example' }), 409, 'INVALID_STATE');
      assert.equal((await api.get('/messages')).body.items.length, before);
    });
  },
  { mail },
);
