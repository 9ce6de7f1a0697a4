import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { fingerprint } from '../support/activation-fixtures.ts';
import { created } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { textOf } from '../support/portal-client.ts';
import { type PortalWorld, entitlementFor, portalWorld } from '../support/portal-world.ts';
import { TestSmtpServer } from '../support/smtp.ts';
import { describeEachBackend } from '../support/suite.ts';

const smtp = await TestSmtpServer.start();
after(() => smtp.close());

async function settled(api: Api): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await api.get('/messages?status=queued&limit=1')).body.items.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('messages stay queued');
}

describeEachBackend(
  'mail in the portal',
  (server) => {
    let w: PortalWorld;
    before(async () => {
      w = await portalWorld(server().api, server().url);
    });

    it('a partner mails activation IDs from the portal, and finds the message in its own Outbox only', async () => {
      const { api } = server();
      const entitlement = await entitlementFor(api, w.C.id, w.productId, {
        tier1: w.P.id,
        state: 'deployed',
        fields: { shipToEmail: 'buyer@c.example' },
      });
      await settled(api);
      smtp.received.length = 0;
      const code = entitlement.lineItems[0]!.activationId;
      const page = await w.partnerP.get(`/portal/entitlements/${entitlement.id}`);
      const path = `/portal/entitlements/${entitlement.id}/email?activationId=${code}`;
      assert.ok(page.html.includes(`href="${path}"`), 'the Email button opens the mail form');
      const form = await w.partnerP.get(path);
      assert.equal(form.status, 200);
      assert.ok(form.html.includes('value="buyer@c.example"'), 'to the ship-to address unless changed');

      const refused = await w.partnerP.post(`/portal/entitlements/${entitlement.id}/email`, {
        to: 'not an address',
        '/activationIds/0': code,
      });
      assert.equal(refused.status, 400);
      assert.equal(smtp.received.length, 0);

      const sent = await w.partnerP.post(`/portal/entitlements/${entitlement.id}/email`, {
        to: 'it@c.example',
        '/activationIds/0': code,
      });
      assert.equal(sent.status, 303);
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['it@c.example']);
      assert.ok(message?.parsed.text?.includes(code));

      const mine = await w.partnerP.get('/portal/outbox');
      assert.equal(mine.status, 200);
      assert.match(textOf(mine.html), /it@c\.example/);
      const theirs = await w.partnerQ.get('/portal/outbox');
      assert.ok(!textOf(theirs.html).includes('it@c.example'));
      assert.equal((await w.customerD.get('/portal/outbox')).status, 403);
      assert.equal((await w.signedOut.get('/portal/outbox')).status, 303);
      const producer = await w.admin.get('/portal/outbox');
      assert.match(textOf(producer.html), new RegExp(`Activation IDs .*${entitlement.id}`));
      // Another partner cannot send this entitlement's IDs, even knowing its ID.
      await w.partnerQ.get('/portal/outbox');
      const stranger = await w.partnerQ.post(`/portal/entitlements/${entitlement.id}/email`, { to: 'x@q.example' });
      assert.equal(stranger.status, 404);
    });

    it('the activation page mails the licence file', async () => {
      const { api } = server();
      const entitlement = await entitlementFor(api, w.D.id, w.productId, {
        state: 'deployed',
        fields: { shipToEmail: 'it@d.example' },
      });
      const activation = await created(
        api.as(null).post('/activations', { code: entitlement.lineItems[0]!.activationId, fingerprint: fingerprint() }),
      );
      await settled(api);
      smtp.received.length = 0;
      const path = `/portal/activations/${activation.activation.id}`;
      const page = await w.customerD.get(path);
      assert.match(textOf(page.html), /Mail the licence/);
      const bad = await w.customerD.post(`${path}/email`, { to: 'nope' });
      assert.equal(bad.status, 400);
      const sent = await w.customerD.post(`${path}/email`, {});
      assert.equal(sent.status, 303);
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['it@d.example']);
      assert.equal(message?.parsed.attachments.length, 1);
      assert.equal((await w.partnerQ.post(`${path}/email`, { to: 'x@q.example' })).status, 404);
    });
  },
  { mail: { ...defaultConfig.mail, smtpUrl: smtp.url } },
);
