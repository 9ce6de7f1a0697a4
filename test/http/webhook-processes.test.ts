import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { backends } from '../support/backends.ts';
import { spawnServer } from '../support/cli.ts';
import { account, created } from '../support/fixtures.ts';
import { Api } from '../support/http.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const KEY = 'webhook-process-admin-key-0123456789';
/**
 * `leaseMs`: short where a dead process's claims must be taken up within the test. `timeoutMs`:
 * short where an attempt must give up on a receiver that hangs; elsewhere the default 10 s, since
 * an attempt that times out on a slow but arriving POST is sent again (at least once), which a
 * count of deliveries would take for a second process sending it.
 */
const env = (
  databaseUrl: string,
  options: { leaseMs?: number; timeoutMs?: number; retryScheduleMs?: string } = {},
) => ({
  DATABASE_URL: databaseUrl,
  LICENTIA_ADMIN_KEY: KEY,
  LICENTIA_WEBHOOKS_ALLOW_PRIVATE: 'true',
  LICENTIA_OUTBOX_POLL_MS: '100',
  LICENTIA_OUTBOX_LEASE_MS: String(options.leaseMs ?? 60_000),
  ...(options.timeoutMs !== undefined && { LICENTIA_WEBHOOK_TIMEOUT_MS: String(options.timeoutMs) }),
  ...(options.retryScheduleMs !== undefined && { LICENTIA_WEBHOOK_RETRY_SCHEDULE_MS: options.retryScheduleMs }),
  LOG_LEVEL: 'warn',
});

const receivers: WebhookReceiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

async function subscribe(api: Api, receiver: WebhookReceiver, events: string[]) {
  const endpoint = await created(api.post('/webhook-endpoints', { url: receiver.url, events }));
  receiver.secrets.push(endpoint.secret);
  return endpoint;
}

for (const backend of backends) {
  it(`a server killed with kill -9 after a commit delivers once restarted [${backend.name}]`, {
    skip: backend.skip,
  }, async () => {
    const db = await backend.freshDatabase();
    // The first attempt never gets an answer: the server dies while it waits.
    const receiver = await WebhookReceiver.start((n) => (n === 1 ? 'hang' : 204));
    receivers.push(receiver);
    // The hanging attempt must still be under way at the kill (a 1 s timeout could run out first on a
    // loaded machine), and an attempt that did time out is retried within a second, not after the
    // default schedule's first pause.
    const options = { leaseMs: 1500, timeoutMs: 5000, retryScheduleMs: '500,500,500' };
    let server = await spawnServer(env(db.url, options));
    try {
      const api = new Api(`${server.url}/api/v1`, KEY);
      await subscribe(api, receiver, ['account.created']);
      const inFlight = await account(api);
      await receiver.until((r) => r.length === 1);
      // And a change killed right after its answer: nothing has been sent for it yet, or it is
      // queued behind the attempt that hangs.
      const justCommitted = await account(api);
      await server.stop('SIGKILL');
      server = await spawnServer(env(db.url, options));
      await receiver.until((r) => r.some((x, i) => i > 0 && x.event.data.id === inFlight.id));
      await receiver.until((r) => r.some((x) => x.event.data.id === justCommitted.id));
      assert.ok(receiver.received.every((r) => r.verified));
      assert.equal(
        receiver.received.filter((r) => r.event.data.id === inFlight.id).length,
        2,
        'sent, lost, sent again',
      );
      const ids = receiver.received.filter((r) => r.event.data.id === inFlight.id).map((r) => r.id);
      assert.equal(ids[0], ids[1], 'the same message both times, for the receiver to deduplicate');
    } finally {
      await server.stop('SIGKILL');
      await db.drop();
    }
  });
}

const postgres = backends.find((b) => b.name === 'postgres');
/** The burst of the issue; `WEBHOOK_BURST` sets another. */
const BURST = Number(process.env.WEBHOOK_BURST ?? 1000);

it(`two server processes on one PostgreSQL deliver each of ${BURST} activations once`, {
  skip: postgres?.skip ?? 'no PostgreSQL',
}, async () => {
  if (!postgres) return;
  const db = await postgres.freshDatabase();
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const servers = [await spawnServer(env(db.url)), await spawnServer(env(db.url))];
  try {
    const apis = servers.map((s) => new Api(`${s.url}/api/v1`, KEY));
    const [first] = apis as [Api, Api];
    await subscribe(first, receiver, ['activation.created']);
    const { code } = await activatable(first, { model: { kind: 'node-locked' }, quantity: BURST });
    let next = 0;
    const activationIds: string[] = [];
    const worker = async (api: Api) => {
      while (next < BURST) {
        next += 1;
        const r = await api.post('/activations', { code, fingerprint: fingerprint() });
        assert.equal(r.status, 201, r.text);
        activationIds.push(r.body.activation.id);
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, i) => worker(apis[i % 2] as Api)));
    await receiver.until((r) => new Set(r.map((x) => x.event.data.id)).size >= BURST);
    // Anything sent twice would have arrived by now: both servers poll every 100 ms.
    await receiver.until(() => true);
    const perActivation = new Map<unknown, number>();
    for (const r of receiver.received)
      perActivation.set(r.event.data.id, (perActivation.get(r.event.data.id) ?? 0) + 1);
    assert.deepEqual([...perActivation.keys()].sort(), [...activationIds].sort());
    assert.deepEqual(
      [...perActivation.entries()].filter(([, n]) => n !== 1),
      [],
      'each event once',
    );
    assert.ok(receiver.received.every((r) => r.verified));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  }
});
