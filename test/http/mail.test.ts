import assert from 'node:assert/strict';
import { after, beforeEach, it } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { account, created, product } from '../support/fixtures.ts';
import { TestSmtpServer } from '../support/smtp.ts';
import { describeEachBackend } from '../support/suite.ts';

const smtp = await TestSmtpServer.start();
after(() => smtp.close());

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
  },
  { mail },
);
