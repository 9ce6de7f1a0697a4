import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { account, partner } from '../support/fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const receivers: WebhookReceiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

describeEachBackend(
  'portal: webhooks',
  (server) => {
    it('lets a partner add an endpoint, see its secret once, receive its events, and retry a delivery', async () => {
      const { api, url } = server();
      const p = await partner(api);
      const person = await PortalClient.as(api, url, 'partner', p.id);
      const receiver = await WebhookReceiver.start();
      receivers.push(receiver);
      const page = await person.get('/portal/webhooks');
      assert.equal(page.status, 200);
      assert.ok(page.html.includes('value="account.*"'));
      assert.ok(
        !page.html.includes('value="api_key.created"'),
        'a partner is not offered the producer’s administration',
      );
      const made = await person.post('/portal/webhooks', {
        url: receiver.url,
        description: 'Shop',
        events: 'account.*',
      });
      assert.equal(made.status, 201, textOf(made.html).slice(0, 300));
      const secret = /whsec_[A-Za-z0-9+/=]+/.exec(made.html)?.[0];
      assert.ok(secret, 'the secret is on the answer');
      receiver.secrets.push(secret);
      const id = /\/portal\/webhooks\/(whe_[0-9a-f]+)/.exec(made.html)?.[1];
      assert.ok(id);
      const shown = await person.get(`/portal/webhooks/${id}`);
      assert.ok(!shown.html.includes(secret), 'and never again');
      const child = await account(api, { parentAccountId: p.id });
      await receiver.until((r) => r.some((x) => x.event.data.id === child.id));
      assert.ok(receiver.received.every((r) => r.verified));
      let log = await person.get(`/portal/webhooks/${id}`);
      for (let i = 0; i < 50 && !/delivered/.test(textOf(log.html)); i++)
        log = await person.get(`/portal/webhooks/${id}`);
      assert.match(textOf(log.html), /account\.created.*delivered/);
      const deliveryId = /\/portal\/webhooks\/deliveries\/(msg_[0-9a-f]+)\/retry/.exec(log.html)?.[1];
      assert.ok(deliveryId);
      const retried = await person.post(`/portal/webhooks/deliveries/${deliveryId}/retry`);
      assert.equal(retried.status, 303);
      await receiver.until((r) => r.filter((x) => x.id === deliveryId).length >= 2);
    });

    it('shows a refused URL beside its field and keeps nothing; operators read only', async () => {
      const { api, url } = server();
      const admin = await PortalClient.as(api, url, 'admin');
      await admin.get('/portal/webhooks');
      const before = (await api.get('/webhook-endpoints')).body.items.length;
      const refused = await admin.post('/portal/webhooks', { url: 'ftp://example.com/x', events: 'account.*' });
      assert.equal(refused.status, 400);
      assert.match(textOf(refused.html), /https/);
      const none = await admin.post('/portal/webhooks', { url: 'https://127.0.0.1/x' });
      assert.equal(none.status, 400);
      assert.equal((await api.get('/webhook-endpoints')).body.items.length, before);
      const operator = await PortalClient.as(api, url, 'operator');
      const seen = await operator.get('/portal/webhooks');
      assert.equal(seen.status, 200);
      assert.ok(!seen.html.includes('Add endpoint'), 'operators are not offered the form');
      const customer = await PortalClient.as(api, url, 'customer', (await account(api)).id);
      assert.equal((await customer.get('/portal/webhooks')).status, 403);
    });
  },
  { webhooksAllowPrivate: true, outboxPollMs: 50 },
);
