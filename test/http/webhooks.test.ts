import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { account, apiKey, assertProblem, created, partner, problemOf } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';
import { type Behaviour, WebhookReceiver } from '../support/webhook-receiver.ts';

const fast = {
  webhooksAllowPrivate: true,
  webhookTimeoutMs: 300,
  webhookRetrySchedule: [30, 30, 30],
  outboxPollMs: 50,
};

const receivers: WebhookReceiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

async function subscribed(api: Api, events: string[], behaviour?: Behaviour) {
  const receiver = await WebhookReceiver.start(behaviour);
  receivers.push(receiver);
  const endpoint = await created(api.post('/webhook-endpoints', { url: receiver.url, events }));
  receiver.secrets.push(endpoint.secret);
  return { receiver, endpoint };
}

async function settled(api: Api, endpointId: string, count: number, status = 'delivered') {
  for (;;) {
    const r = await api.get(`/webhook-endpoints/${endpointId}/deliveries?status=${status}`);
    assert.equal(r.status, 200, r.text);
    if (r.body.items.length >= count) return r.body.items;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachBackend(
  'webhooks',
  (server) => {
    it('sends a signed event whose data is what GET shows, and shows the secret once', async () => {
      const { api } = server();
      const { receiver, endpoint } = await subscribed(api, ['activation.*']);
      assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
      const shown = await api.get(`/webhook-endpoints/${endpoint.id}`);
      assert.equal(shown.status, 200);
      assert.ok(!('secret' in shown.body));
      assert.ok(!shown.text.includes(endpoint.secret.slice(6)));
      const { code } = await activatable(api);
      const { activation } = await created(api.post('/activations', { code, fingerprint: fingerprint() }));
      await receiver.until((r) => r.some((x) => x.event.type === 'activation.created'));
      const [got] = receiver.ofType('activation.created');
      assert.ok(got?.verified, 'the signature verifies with standardwebhooks');
      assert.match(got?.id ?? '', /^msg_/);
      assert.deepEqual(got?.event.data, (await api.get(`/activations/${activation.id}`)).body);
      assert.match(got?.event.id ?? '', /^evt_/);
      assert.ok(Date.parse(got?.event.timestamp ?? '') > 0);
    });

    it('sends each of a burst of activations, read together, as its own GET shows it', async () => {
      const { api } = server();
      const { receiver } = await subscribed(api, ['activation.*']);
      const { code } = await activatable(api, { quantity: 30 });
      const made = await Promise.all(
        Array.from({ length: 12 }, () =>
          created(api.post('/activations', { code, fingerprint: fingerprint() })).then((r) => r.activation),
        ),
      );
      // One returned before its body is read, so that the burst also holds an activation that changed.
      const returned = made[0]!;
      assert.equal((await api.post(`/activations/${returned.id}/return`, {})).status, 200);
      // And its device activated again under a new name: the event shows the device as it is now.
      const again = await created(
        api.post('/activations', { code, fingerprint: returned.fingerprint, deviceName: 'Renamed laptop' }),
      );
      made.push(again.activation);
      await receiver.until((r) => r.length >= made.length + 1);
      for (const activation of made) {
        const sent = receiver.received.filter((r) => r.event.data.id === activation.id);
        assert.ok(sent.every((r) => r.verified));
        const shown = (await api.get(`/activations/${activation.id}`)).body;
        if (activation.id === returned.id) {
          assert.deepEqual(sent.map((r) => r.event.type).sort(), ['activation.created', 'activation.returned']);
          // Its device was renamed after the return (by the activation `again`), which its GET shows now.
          const data = sent.find((r) => r.event.type === 'activation.returned')?.event.data;
          assert.deepEqual({ ...data, deviceName: shown.deviceName }, shown);
        } else {
          assert.equal(sent.length, 1);
          if (activation.id === again.activation.id) assert.equal(shown.deviceName, 'Renamed laptop');
          assert.deepEqual(sent[0]?.event.data, shown);
        }
      }
    });

    it('retries a receiver that fails twice: one success, three attempts logged', async () => {
      const { api } = server();
      const { receiver, endpoint } = await subscribed(api, ['account.created'], (n) => (n <= 2 ? 500 : 200));
      await account(api);
      const [delivery] = await settled(api, endpoint.id, 1);
      assert.equal(delivery!.attempts, 3);
      assert.equal(delivery!.lastStatusCode, 200);
      const detail = await api.get(`/webhook-deliveries/${delivery!.id}`);
      assert.deepEqual(
        detail.body.log.map((a) => a.statusCode),
        [500, 500, 200],
      );
      assert.equal(detail.body.log[0]!.response, 'no thanks');
      assert.ok(detail.body.log.every((a: { durationMs: number }) => a.durationMs >= 0));
      assert.equal(receiver.received.length, 3);
      assert.ok(receiver.received.every((r) => r.verified && r.id === delivery!.id));
      const health = await api.get(`/webhook-endpoints/${endpoint.id}`);
      assert.equal(health.body.failingSince, null);
      assert.ok(health.body.lastSuccessAt);
    });

    it('sends a new activation as it was made, at every attempt, keeping only its event id in the log', async () => {
      const { api, running } = server();
      const { receiver, endpoint } = await subscribed(api, ['activation.created'], (n) => (n === 1 ? 500 : 200));
      const { code } = await activatable(api, { quantity: 3 });
      const { activation } = await created(api.post('/activations', { code, fingerprint: fingerprint() }));
      const made = (await api.get(`/activations/${activation.id}`)).body;
      await receiver.until((r) => r.length >= 1);
      // Changed between the attempts: the retry still sends the activation as the event made it.
      assert.equal((await api.post(`/activations/${activation.id}/return`, {})).status, 200);
      const [delivery] = await settled(api, endpoint.id, 1);
      assert.equal(delivery!.attempts, 2);
      assert.equal(receiver.received.length, 2);
      assert.equal(receiver.received[1]!.body, receiver.received[0]!.body);
      assert.deepEqual(receiver.received[1]!.event.data, made);
      assert.equal((await api.get(`/webhook-deliveries/${delivery!.id}`)).body.body, receiver.received[0]!.body);
      // The delivery's row names the audit event; it keeps no second copy of the activation.
      const row = await running.ctx.store.db
        .selectFrom('outbox')
        .select('payload')
        .where('id', '=', delivery!.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(row.payload), { ofEvent: receiver.received[0]!.event.id });
    });

    it('gives up on a receiver that hangs after the timeout, and retries it', async () => {
      const { api } = server();
      const { receiver, endpoint } = await subscribed(api, ['account.created'], (n) => (n === 1 ? 'hang' : 204));
      await account(api);
      const [delivery] = await settled(api, endpoint.id, 1);
      assert.equal(delivery!.attempts, 2);
      const detail = await api.get(`/webhook-deliveries/${delivery!.id}`);
      assert.equal(detail.body.log[0]!.error, 'timed out');
      assert.equal(detail.body.log[0]!.statusCode, null);
      assert.ok(detail.body.log[0]!.durationMs >= 250);
      assert.equal(receiver.received.length, 2);
    });

    it('disables an endpoint that answers 410 Gone, with an audit event and a reason', async () => {
      const { api } = server();
      const { receiver, endpoint } = await subscribed(api, ['account.*'], () => 410);
      await account(api);
      await settled(api, endpoint.id, 1, 'failed');
      const shown = await api.get(`/webhook-endpoints/${endpoint.id}`);
      assert.equal(shown.body.enabled, false);
      assert.match(shown.body.disabledReason ?? '', /410/);
      const events = await api.get(`/events?action=webhook-endpoint.disabled`);
      assert.ok(events.body.items.some((e: { subjectId: string }) => e.subjectId === endpoint.id));
      assert.equal(receiver.received.length, 1);
      await account(api);
      const other = await subscribed(api, ['account.created']);
      await account(api);
      await other.receiver.until((r) => r.length >= 1);
      assert.equal(receiver.received.length, 1, 'a disabled endpoint receives nothing more');
      const retry = await api.post(
        `/webhook-deliveries/${(await settled(api, endpoint.id, 1, 'failed'))[0]!.id}/retry`,
      );
      assertProblem(retry, 409, 'INVALID_STATE');
    });

    it('sends nothing for a refused change', async () => {
      const { api } = server();
      const { receiver, endpoint } = await subscribed(api, ['entitlement.*', 'account.*']);
      const { entitlement } = await activatable(api);
      const refused = await api.post(`/entitlements/${entitlement.id}/state`, { state: 'draft' });
      assertProblem(refused, 409, 'INVALID_STATE');
      const badAccount = await api.post('/accounts', { name: 'x', type: 'customer', parentAccountId: 'acc_missing' });
      assert.ok(badAccount.status >= 400 && badAccount.status < 500);
      const marker = await account(api);
      // Deliveries of one batch go out concurrently: wait for all, then for nothing pending.
      await receiver.until(
        (r) =>
          r.some((x) => x.event.data?.id === marker.id) && r.some((x) => x.event.type === 'entitlement.state_changed'),
      );
      for (;;) {
        const pending = await api.get(`/webhook-endpoints/${endpoint.id}/deliveries?status=pending`);
        if (pending.body.items.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const types = receiver.received.map((r) => r.event.type);
      assert.deepEqual(types.filter((t) => t === 'entitlement.state_changed').length, 1, 'only the deploy');
      assert.equal(receiver.received.filter((r) => r.event.type === 'account.created').length, 2);
      const delivered = await settled(api, endpoint.id, 4);
      assert.ok(delivered.length >= 4);
    });

    it('pings, retries on request, and signs with both secrets for a day after a rotation', async () => {
      const { api } = server();
      const { receiver, endpoint } = await subscribed(api, ['account.updated']);
      const ping = await api.post(`/webhook-endpoints/${endpoint.id}/test`, {});
      assert.equal(ping.status, 202, ping.text);
      await receiver.until((r) => r.some((x) => x.event.type === 'ping'));
      assert.ok(receiver.ofType('ping')[0]?.verified);
      const rotated = await created(api.post(`/webhook-endpoints/${endpoint.id}/rotate-secret`, {}), 200);
      assert.notEqual(rotated.secret, endpoint.secret);
      receiver.secrets = [rotated.secret];
      const again = await created(api.post(`/webhook-endpoints/${endpoint.id}/test`, {}), 202);
      await receiver.until((r) => r.filter((x) => x.event.type === 'ping').length >= 2);
      const second = receiver.ofType('ping')[1];
      assert.ok(second?.verified, 'the new secret verifies');
      assert.equal(second?.signature.split(' ').length, 2, 'both secrets sign during the overlap');
      receiver.secrets = [endpoint.secret];
      assert.equal(second?.id, again.deliveryId);
      const retried = await api.post(`/webhook-deliveries/${again.deliveryId}/retry`, {});
      assert.equal(retried.status, 202, retried.text);
      await receiver.until((r) => r.filter((x) => x.event.type === 'ping').length >= 3);
      const third = receiver.ofType('ping')[2];
      assert.equal(third?.id, again.deliveryId, 'a retry is the same message');
      assert.ok(third?.verified, 'the old secret still verifies');
    });

    it('filters the delivery log by status and event type', async () => {
      const { api } = server();
      const { endpoint } = await subscribed(api, ['account.*']);
      const a = await account(api);
      await created(api.patch(`/accounts/${a.id}`, { name: `${a.name} renamed` }), 200);
      await settled(api, endpoint.id, 2);
      const updates = await api.get(`/webhook-endpoints/${endpoint.id}/deliveries?eventType=account.updated`);
      assert.deepEqual(
        updates.body.items.map((d: { eventType: string }) => d.eventType),
        ['account.updated'],
      );
      const failed = await api.get(`/webhook-endpoints/${endpoint.id}/deliveries?status=failed`);
      assert.deepEqual(failed.body.items, []);
      assertProblem(
        await api.get(`/webhook-endpoints/${endpoint.id}/deliveries?status=lost`),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('refuses bad input and changes nothing', async () => {
      const { api } = server();
      const before = (await api.get('/webhook-endpoints')).body.items.length;
      const bad = [
        { url: 'not a url', events: ['account.*'] },
        { url: 'ftp://127.0.0.1/x', events: ['account.*'] },
        { url: 'https://127.0.0.1/x', events: [] },
        { url: 'https://127.0.0.1/x', events: ['account.exploded'] },
        { url: 'https://127.0.0.1/x', events: ['nothing.*'] },
        { url: 'https://127.0.0.1/x', events: ['*'] },
        { url: 'https://user:pw@127.0.0.1/x', events: ['account.*'] },
        { url: 'https://127.0.0.1/x', events: ['account.*'], secret: 'whsec_mine' },
      ];
      for (const body of bad) assertProblem(await api.post('/webhook-endpoints', body), 400, 'VALIDATION_FAILED');
      assert.equal((await api.get('/webhook-endpoints')).body.items.length, before);
      assertProblem(await api.get('/webhook-endpoints/whe_missing'), 404, 'NOT_FOUND');
      assertProblem(await api.patch('/webhook-endpoints/whe_missing', { enabled: false }), 404, 'NOT_FOUND');
      assertProblem(await api.post('/webhook-deliveries/msg_missing/retry', {}), 404, 'NOT_FOUND');
    });

    it('lets partners manage their own endpoints only, operators read, customers nothing', async () => {
      const { api } = server();
      const p = await partner(api);
      const q = await partner(api);
      const asP = api.as(await apiKey(api, 'partner', p.id));
      const asQ = api.as(await apiKey(api, 'partner', q.id));
      const asOperator = api.as(await apiKey(api, 'operator'));
      const asCustomer = api.as(await apiKey(api, 'customer', (await account(api)).id));
      const mine = await created(
        asP.post('/webhook-endpoints', { url: 'https://127.0.0.1/p', events: ['activation.*'] }),
      );
      assert.equal(mine.accountId, p.id);
      assertProblem(await asQ.get(`/webhook-endpoints/${mine.id}`), 404, 'NOT_FOUND');
      assertProblem(await asQ.patch(`/webhook-endpoints/${mine.id}`, { enabled: false }), 404, 'NOT_FOUND');
      assertProblem(await asQ.delete(`/webhook-endpoints/${mine.id}`), 404, 'NOT_FOUND');
      assert.deepEqual((await asQ.get('/webhook-endpoints')).body.items, []);
      assert.equal((await asOperator.get(`/webhook-endpoints/${mine.id}`)).status, 200);
      assertProblem(
        await asOperator.post('/webhook-endpoints', { url: 'https://127.0.0.1/o', events: ['activation.*'] }),
        403,
        'FORBIDDEN',
      );
      assertProblem(await asOperator.delete(`/webhook-endpoints/${mine.id}`), 403, 'FORBIDDEN');
      assertProblem(await asCustomer.get('/webhook-endpoints'), 403, 'FORBIDDEN');
      assertProblem(await api.as(null).get('/webhook-endpoints'), 401, 'UNAUTHENTICATED');
      assert.equal((await asP.delete(`/webhook-endpoints/${mine.id}`)).status, 204);
      assertProblem(await asP.get(`/webhook-endpoints/${mine.id}`), 404, 'NOT_FOUND');
    });
  },
  fast,
);

describeEachBackend('webhook targets', (server) => {
  it('refuses hostile URLs unless private targets are allowed', async () => {
    const { api } = server();
    const hostile = [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://127.1.2.3/hook',
      'https://2130706433/hook',
      'https://0x7f000001/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook',
      'https://10.1.2.3/hook',
      'https://172.16.0.1/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://[fe80::1]/hook',
      'https://[fd00::1]/hook',
      'https://localhost/hook',
      'https://metadata.google.internal/computeMetadata',
      'https://name-that-does-not-resolve.invalid/hook',
    ];
    for (const url of hostile) {
      const r = await api.post('/webhook-endpoints', { url, events: ['account.*'] });
      assertProblem(r, 400, 'VALIDATION_FAILED');
      assert.equal(problemOf(r).fields?.[0]?.field, '/url', url);
    }
    assert.deepEqual((await api.get('/webhook-endpoints')).body.items, []);
  });
});
