import assert from 'node:assert/strict';
import { after, beforeEach, it } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { runCliAsync } from '../support/cli.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { account, apiKey, assertProblem, created, partner, product } from '../support/fixtures.ts';
import { PortalClient } from '../support/portal-client.ts';
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
  retrySchedule: [50, 50, 50],
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
          shipToAddress: { lines: ['Dock 7', 'Hall <B>'], city: 'Berlin', postalCode: '10115', country: 'de' },
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
      assert.ok(text.includes('Ship to: Dock 7, Hall <B>, 10115 Berlin, DE'), 'the postal address, in its fields');
      assert.ok(html.includes('Dock 7, Hall &lt;B&gt;, 10115 Berlin, DE'));
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
      assert.ok(!text.includes('LICENSING_SERVER'), 'the verify line names this server, not a placeholder');

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

    it('deploying stock with a ship-to address mails the partner its keys (attached up to 10,000)', async () => {
      const { api } = server();
      const small = await bulkWithKeys(api, {
        generate: 3,
        state: 'draft',
        fields: { shipToEmail: 'stock@partner.example', quantityPerKey: 2 },
      });
      await created(api.post(`/entitlements/${small.bulk.id}/state`, { state: 'deployed' }), 200);
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['stock@partner.example']);
      assert.match(message?.parsed.subject ?? '', new RegExp(`^Stock ${small.bulk.id}: 3 keys for `));
      assert.match(message?.parsed.text ?? '', /Web register keys: 3\n/);
      assert.match(message?.parsed.text ?? '', /Activations per key: 2\n/);
      assert.match(message?.parsed.text ?? '', new RegExp(`/portal/entitlements/${small.bulk.id}/keys`));
      const csv = attachmentText(message as never)
        .text.trim()
        .split('\n');
      assert.equal(csv[0], 'key');
      assert.deepEqual(csv.slice(1).sort(), [...small.keys].sort());

      await settled(api);
      const large = await bulkWithKeys(api, {
        generate: 10_001,
        state: 'draft',
        fields: { shipToEmail: 'stock@partner.example' },
      });
      await created(api.post(`/entitlements/${large.bulk.id}/state`, { state: 'deployed' }), 200);
      const [big] = await smtp.waitFor(1);
      assert.match(big?.parsed.subject ?? '', /10001 keys/);
      assert.equal(big?.parsed.attachments.length, 0, 'too many keys to attach');
      assert.match(big?.parsed.text ?? '', /too many to attach/);
    });

    it('a partner mails activation IDs to its customer; the producer sees that, not the address', async () => {
      const { api } = server();
      const distributor = await partner(api, { name: 'Distri & Co' });
      const anonymous = await account(api, { parentAccountId: distributor.id, anonymous: true, name: 'Shop 9' });
      const item = await product(api);
      const entitlement = await created(
        api.post('/entitlements', {
          kind: 'simple',
          soldTo: anonymous.id,
          channelPartners: [{ accountId: distributor.id, tier: 'tier1' }],
          lineItems: [
            { productId: item.id, quantity: 2 },
            { productId: item.id, quantity: 1 },
          ],
        }),
      );
      const partnerApi = api.as(await apiKey(api, 'partner', distributor.id));
      assertProblem(
        await partnerApi.post(`/entitlements/${entitlement.id}/email`, { to: 'owner@shop.example' }),
        409,
        'INVALID_STATE',
      );
      await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
      const [first, second] = entitlement.lineItems.map((li: { activationId: string }) => li.activationId);
      const sent = await partnerApi.post(`/entitlements/${entitlement.id}/email`, {
        to: 'owner@shop.example',
        activationIds: [first.toLowerCase()],
        note: 'Thanks <for> your order',
      });
      assert.equal(sent.status, 202, sent.text);
      assert.equal(sent.body.to, 'owner@shop.example');
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['owner@shop.example']);
      assert.equal(message?.parsed.subject, 'Your activation IDs from Distri & Co');
      const text = message?.parsed.text ?? '';
      const html = String(message?.parsed.html);
      assert.ok(text.includes(first) && html.includes(first));
      assert.ok(!text.includes(second), 'only the chosen line item');
      assert.ok(text.includes('Thanks <for> your order') && html.includes('Thanks &lt;for&gt; your order'));
      assert.ok(!text.includes('Shop 9') && !html.includes('Shop 9'));

      const producers = (await api.get('/messages?kind=activation-ids')).body.items.find(
        (m: { id: string }) => m.id === sent.body.id,
      );
      assert.equal(producers.partnerAccountId, distributor.id);
      assert.ok(!JSON.stringify(producers).includes('owner@shop.example'));
      const partners = (await partnerApi.get('/messages')).body.items.map((m: { id: string }) => m.id);
      assert.deepEqual(partners, [sent.body.id]);

      for (const body of [
        { activationIds: ['NOPE-NOPE'], to: 'a@b.example' },
        { activationIds: [], to: 'a@b.example' },
        { to: 'a@b.example\nBcc: c@d.example' },
        { note: 'x'.repeat(1001), to: 'a@b.example' },
      ]) {
        const r = await partnerApi.post(`/entitlements/${entitlement.id}/email`, body);
        assertProblem(r, 400, 'VALIDATION_FAILED');
      }
      assertProblem(await partnerApi.post(`/entitlements/${entitlement.id}/email`, {}), 422, 'UNPROCESSABLE');
      assertProblem(await partnerApi.post('/entitlements/NO-SUCH/email', { to: 'a@b.example' }), 404, 'NOT_FOUND');
      const stock = await bulkWithKeys(api, { generate: 1 });
      assertProblem(
        await api.post(`/entitlements/${stock.bulk.id}/email`, { to: 'a@b.example' }),
        422,
        'UNPROCESSABLE',
      );
    });

    it('a permanent refusal (550) fails the message, visibly; resend delivers it once fixed', async () => {
      const { api, url } = server();
      smtp.verdict = (_attempt, to) =>
        to.includes('gone@customer.example') ? { code: 550, message: 'No such user here' } : undefined;
      const { entitlement } = await activatable(api, {
        state: 'draft',
        fields: { shipToEmail: 'gone@customer.example' },
      });
      await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
      await settled(api, false);
      const failed = (await api.get('/messages?status=failed')).body.items.find(
        (m: { reference: string }) => m.reference === entitlement.id,
      );
      assert.ok(failed, 'listed as failed');
      assert.equal(failed.attempts, 1);
      assert.match(failed.lastError, /^550/);
      assert.equal(failed.sentAt, null);
      assert.equal(smtp.received.length, 0);

      const admin = await PortalClient.as(api, url, 'admin');
      const outbox = await admin.get('/portal/outbox?status=failed');
      assert.equal(outbox.status, 200);
      assert.ok(outbox.html.includes('No such user here'));
      assert.ok(outbox.html.includes(`/portal/outbox/${failed.id}/resend`));

      smtp.verdict = () => undefined;
      const again = await admin.post(`/portal/outbox/${failed.id}/resend`);
      assert.equal(again.status, 303);
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['gone@customer.example']);
      await settled(api, false);
      const sent = (await api.get('/messages')).body.items.find((m: { id: string }) => m.id === failed.id);
      assert.equal(sent.status, 'sent');
      assert.equal(sent.attempts, 2);
      assertProblem(await api.post('/messages/msg_nope/resend'), 404, 'NOT_FOUND');
      assertProblem(await api.as(null).post(`/messages/${failed.id}/resend`), 401, 'UNAUTHENTICATED');
      const customer = await apiKey(api, 'customer', (await account(api)).id);
      assertProblem(await api.as(customer).post(`/messages/${failed.id}/resend`), 403, 'FORBIDDEN');
      assertProblem(await api.as(customer).get('/messages'), 403, 'FORBIDDEN');
      assertProblem(await api.get('/messages?status=lost'), 400, 'VALIDATION_FAILED');
      assertProblem(await api.get('/messages?cursor=bogus'), 400, 'VALIDATION_FAILED');
    });

    it('a temporary refusal (451) is retried, and the message delivered once', async () => {
      const { api } = server();
      smtp.verdict = (attempt) => (attempt === 1 ? { code: 451, message: 'Greylisted, try again' } : undefined);
      const { entitlement } = await activatable(api, {
        state: 'draft',
        fields: { shipToEmail: 'grey@customer.example' },
      });
      await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['grey@customer.example']);
      await settled(api, false);
      assert.equal(smtp.attempts, 2);
      assert.equal(smtp.received.length, 1);
      const listed = (await api.get('/messages')).body.items.find(
        (m: { reference: string }) => m.reference === entitlement.id,
      );
      assert.equal(listed.status, 'sent');
      assert.equal(listed.attempts, 2);
    });

    it('a server that keeps answering 4xx fails the message once the schedule is used up', async () => {
      const { api } = server();
      smtp.verdict = () => ({ code: 421, message: 'Service not available' });
      const { entitlement } = await activatable(api, {
        state: 'draft',
        fields: { shipToEmail: 'busy@customer.example' },
      });
      await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
      await settled(api, false);
      const listed = (await api.get('/messages?status=failed')).body.items.find(
        (m: { reference: string }) => m.reference === entitlement.id,
      );
      assert.equal(listed.attempts, 4, 'the first attempt and three retries');
      assert.match(listed.lastError, /^421/);
      assert.equal(smtp.received.length, 0);
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
