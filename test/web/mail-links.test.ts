import assert from 'node:assert/strict';
import { after, beforeEach, it } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { RESET_ANSWER_FLOOR_MS } from '../../src/services/users/request-password-reset.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { apiKey, assertProblem, created, partner } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { TestSmtpServer } from '../support/smtp.ts';
import { describeEachBackend } from '../support/suite.ts';

const smtp = await TestSmtpServer.start();
after(() => smtp.close());

/** Waits until no message is queued (each one sent or failed). */
async function settled(api: Api): Promise<void> {
  for (let i = 0; ; i++) {
    if ((await api.get('/messages?status=queued&limit=1')).body.items.length === 0) return;
    if (i > 500) throw new Error('messages stay queued');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function linkIn(text: string, base: string): string {
  const match = new RegExp(`${base.replaceAll('.', '\\.')}(/sign-in/link/[A-Za-z0-9_-]+)`).exec(text);
  assert.ok(match?.[1], `a sign-in link in:\n${text}`);
  return match[1];
}

describeEachBackend(
  'mail of sign-in links and activation IDs',
  (server) => {
    beforeEach(() => {
      smtp.received.length = 0;
    });

    it("mails a new user's first sign-in link, which signs in once, and keeps no copy of it", async () => {
      const { api, url } = server();
      const user = await created(
        api.post('/users', { email: 'new.colleague@producer.example', name: 'New Colleague', role: 'operator' }),
      );
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['new.colleague@producer.example']);
      assert.match(message?.parsed.subject ?? '', /sign-in link/);
      const path = linkIn(message?.parsed.text ?? '', url);
      assert.ok(String(message?.parsed.html).includes(path), 'the HTML part has the link too');

      const person = new PortalClient(url);
      assert.equal((await person.get(path)).status, 200);
      const signedIn = await person.post(path);
      assert.equal(signedIn.status, 303);
      assert.equal((await new PortalClient(url).get(path)).status, 410, 'the link works once');

      await settled(api);
      const listed = (await api.get('/messages?kind=sign-in-link')).body.items.find((m) => m.reference === user.id);
      assert.ok(listed);
      assert.equal(listed.status, 'sent');
      assert.equal(listed.resendable, false);
      assertProblem(await api.post(`/messages/${listed.id}/resend`), 409, 'INVALID_STATE');
    });

    it('forgot password: mails a link to a known address, answers the same for an unknown one, and limits asks', async () => {
      const { api, url } = server();
      await created(
        api.post('/users', {
          email: 'forgetful@producer.example',
          name: 'Forgetful',
          role: 'operator',
          password: 'correct horse battery staple',
        }),
      );
      const person = new PortalClient(url);
      assert.match(textOf((await person.get('/sign-in')).html), /Get a sign-in link by mail/);
      await person.get('/sign-in/forgot');
      const timed = async (email: string) => {
        const started = performance.now();
        const answer = await person.post('/sign-in/forgot', { email });
        return { answer, ms: performance.now() - started };
      };
      const { answer: known, ms: knownMs } = await timed('Forgetful@producer.example');
      assert.equal(known.status, 200);
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['forgetful@producer.example']);
      const path = linkIn(message?.parsed.text ?? '', url);

      const { answer: unknown, ms: unknownMs } = await timed('nobody@producer.example');
      assert.equal(unknown.status, 200);
      // Both wait out the same floor, so the time of the answer does not tell who has an account.
      assert.ok(knownMs >= RESET_ANSWER_FLOOR_MS && unknownMs >= RESET_ANSWER_FLOOR_MS, `${knownMs} ${unknownMs}`);
      const answer = (page: string, email: string) => textOf(page).replace(email, 'EMAIL');
      assert.equal(answer(unknown.html, 'nobody@producer.example'), answer(known.html, 'forgetful@producer.example'));

      const bad = await person.post('/sign-in/forgot', { email: 'not an address' });
      assert.equal(bad.status, 400);

      // Three links an hour for an address; a fourth ask gets the same answer and no mail.
      await person.post('/sign-in/forgot', { email: 'forgetful@producer.example' });
      await person.post('/sign-in/forgot', { email: 'forgetful@producer.example' });
      const fourth = await person.post('/sign-in/forgot', { email: 'forgetful@producer.example' });
      assert.equal(fourth.status, 200);
      await settled(api);
      assert.equal(smtp.received.length, 3);

      // The link signs in (once).
      assert.equal((await person.post(path)).status, 303);

      // Ten asks an hour from one client, whatever the address.
      const other = new PortalClient(url);
      await other.get('/sign-in/forgot');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await other.post('/sign-in/forgot', { email: `x${i}@elsewhere.example` })).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429], 'the client had asked five times already');
      // The links sent so far never reached the server's records in clear.
      const messages = (await api.get('/messages?kind=password-reset')).body.items;
      assert.ok(messages.every((m: { resendable: boolean }) => !m.resendable));
    });

    it('mails the activation ID to the address a redemption registered, and nothing under registration none', async () => {
      const { api } = server();
      const registered = await bulkWithKeys(api, {
        keys: someKeys(1),
        fields: { registration: { policy: 'optional', fields: ['name', 'email'] } },
      });
      const partnerApi = api.as(await apiKey(api, 'partner', registered.partner.id));
      const entitlement = await created(
        partnerApi.post(`/web-register-keys/${registered.keys[0]}/redeem`, {
          accountName: 'Workshop 7',
          registration: { name: 'Ann', email: 'ann@workshop.example' },
        }),
      );
      const [message] = await smtp.waitFor(1);
      assert.deepEqual(message?.to, ['ann@workshop.example']);
      const activationId = entitlement.lineItems[0]!.activationId;
      assert.ok(message?.parsed.text?.includes(activationId));
      assert.ok(String(message?.parsed.html).includes(activationId));

      // The partner sees where it went; the producer that it went, not to whom.
      const mine = (await partnerApi.get('/messages?kind=activation-code')).body.items;
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.to, 'ann@workshop.example');
      const producers = (await api.get('/messages?kind=activation-code')).body.items.find(
        (m: { id: string }) => m.id === mine[0]!.id,
      );
      assert.ok(!JSON.stringify(producers).includes('ann@workshop.example'));
      assert.ok(!JSON.stringify(producers).includes('Workshop 7'));

      // Activating with the key itself, registering on the way, mails the activation ID as well.
      const direct = await bulkWithKeys(api, {
        keys: someKeys(1),
        fields: { registration: { policy: 'required', fields: ['email'] } },
      });
      smtp.received.length = 0;
      const activated = await created(
        api.as(null).post('/activations', {
          code: direct.keys[0],
          fingerprint: `fp-${process.pid}-direct`,
          registration: { email: 'bo@workshop.example' },
        }),
      );
      const [direct1] = await smtp.waitFor(1);
      assert.deepEqual(direct1?.to, ['bo@workshop.example']);
      assert.ok(direct1?.parsed.text?.includes(activated.activation.activationId));

      const none = await bulkWithKeys(api, { keys: someKeys(1) });
      const noneApi = api.as(await apiKey(api, 'partner', none.partner.id));
      await created(noneApi.post(`/web-register-keys/${none.keys[0]}/redeem`, { accountName: 'Workshop 8' }));
      await settled(api);
      assert.deepEqual((await noneApi.get('/messages')).body.items, []);
      // And another partner sees none of the first one's mail.
      const stranger = api.as(await apiKey(api, 'partner', (await partner(api)).id));
      assert.deepEqual((await stranger.get('/messages')).body.items, []);
      assertProblem(await stranger.post(`/messages/${mine[0]!.id}/resend`), 404, 'NOT_FOUND');
    });
  },
  { mail: { ...defaultConfig.mail, smtpUrl: smtp.url } },
);
