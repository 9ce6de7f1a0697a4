import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { backends } from '../support/backends.ts';
import { freePort } from '../support/cli.ts';
import { account, assertProblem, created } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { ADMIN_KEY, startTestServer } from '../support/server.ts';
import { describeEachBackend } from '../support/suite.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The endpoint's one delivery, once it is as `wanted`. */
async function until(
  api: Api,
  endpointId: string,
  wanted: (delivery: { attempts: number; status: string }) => boolean,
) {
  for (;;) {
    const r = await api.get(`/webhook-endpoints/${endpointId}/deliveries`);
    assert.equal(r.status, 200, r.text);
    const [delivery] = r.body.items;
    if (delivery && wanted(delivery)) return delivery;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachBackend(
  'metrics',
  (server, backend) => {
    const scrape = async () => {
      const r = await fetch(`${server().url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      return r.text();
    };

    it('GET /metrics wants the metrics token: none, a wrong one, or an API key are 401 problems', async () => {
      for (const authorization of [undefined, 'Bearer not-the-token-at-all', `Bearer ${ADMIN_KEY}`, 'Basic xyz']) {
        const r = await fetch(`${server().url}/metrics`, { headers: authorization ? { authorization } : {} });
        const body = await r.json();
        assertProblem(
          { status: r.status, headers: r.headers, body, text: JSON.stringify(body) },
          401,
          'UNAUTHENTICATED',
        );
      }
    });

    it('counts requests by route pattern and status, never by URL', async () => {
      const api = server().api;
      await api.get('/products');
      await api.get('/products/prd_0000nothere');
      const text = await scrape();
      assert.ok(
        (sample(
          text,
          'licentia_http_request_duration_seconds_count{method="GET",route="/api/v1/products",status="200"}',
        ) ?? 0) >= 1,
      );
      assert.ok(
        (sample(
          text,
          'licentia_http_request_duration_seconds_count{method="GET",route="/api/v1/products/:id",status="404"}',
        ) ?? 0) >= 1,
      );
      assert.doesNotMatch(text, /prd_0000nothere/);
    });

    it('counts activations and validations with their outcomes; codes never appear', async () => {
      const api = server().api;
      const { code } = await activatable(api);
      const device = api.as(null);
      const before = await scrape();
      const ok = 'licentia_operations_total{operation="activation",outcome="ok"}';
      const unknown = 'licentia_operations_total{operation="activation",outcome="NOT_FOUND"}';
      assert.equal((await device.post('/activations', { code, fingerprint: fingerprint() })).status, 201);
      assert.equal(
        (await device.post('/activations', { code: 'NOPE-NOPE-NOPE', fingerprint: fingerprint() })).status,
        404,
      );
      const validated = await device.post('/licenses/validate', { code, fingerprint: 'never-activated' });
      const after = await scrape();
      assert.equal((sample(after, ok) ?? 0) - (sample(before, ok) ?? 0), 1);
      assert.equal((sample(after, unknown) ?? 0) - (sample(before, unknown) ?? 0), 1);
      assert.match(
        after,
        /licentia_operations_total\{operation="validation",outcome="[A-Za-z_-]+"\} \d/,
        validated.text,
      );
      assert.doesNotMatch(after, new RegExp(code));
    });

    it('shows the event loop, the process, and group commits (SQLite) or the pool (PostgreSQL)', async () => {
      await server().api.post('/features', { name: `m-${Date.now()}`, version: '1' });
      const text = await scrape();
      assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
      assert.match(text, /^process_resident_memory_bytes \d/m);
      if (backend.name === 'sqlite') assert.ok((sample(text, 'licentia_group_commit_transactions_count') ?? 0) >= 1);
      else assert.ok((sample(text, 'licentia_db_pool_connections{state="total"}') ?? 0) >= 1);
    });

    it('shows the outbox backlog by kind when scraped: a failing webhook waits, a delivered one does not', async () => {
      const { api } = server();
      const depth = 'licentia_outbox_depth{kind="webhook"}';
      const age = 'licentia_outbox_oldest_age_seconds{kind="webhook"}';
      const idle = await scrape();
      assert.equal(sample(idle, depth), 0, 'every kind with a handler is shown, at 0 when none waits');
      assert.equal(sample(idle, age), 0);
      let answer = 500;
      const receiver = await WebhookReceiver.start(() => answer);
      try {
        const endpoint = await created(
          api.post('/webhook-endpoints', { url: receiver.url, events: ['account.created'] }),
        );
        const since = Date.now();
        await account(api);
        await receiver.until((r) => r.length === 1);
        // Retried only after the suite's 10 minutes: it waits.
        const waiting = await scrape();
        assert.equal(sample(waiting, depth), 1);
        // SQLite: the audit log's events not yet read for webhooks (none: the event was read, its delivery written).
        if (backend.name === 'sqlite') assert.equal(sample(waiting, 'licentia_outbox_depth{kind="webhook-log"}'), 0);
        const oldest = sample(waiting, age) ?? -1;
        assert.ok(oldest >= 0 && oldest <= (Date.now() - since) / 1000 + 1, String(oldest));
        answer = 204;
        const delivery = await until(api, endpoint.id, (d) => d.attempts === 1); // settled: a retry now is not overwritten
        assert.equal((await api.post(`/webhook-deliveries/${delivery.id}/retry`, {})).status, 202);
        await until(api, endpoint.id, (d) => d.status === 'delivered');
        const drained = await scrape();
        assert.equal(sample(drained, depth), 0);
        assert.equal(sample(drained, age), 0);
        if (backend.name === 'sqlite') {
          // A change no endpoint hears of makes no delivery; the log's reader still records that it read it, within seconds.
          await api.post('/features', { name: `unheard-${Date.now()}`, version: '1' });
          const deadline = Date.now() + 20_000;
          let unread = sample(await scrape(), 'licentia_outbox_depth{kind="webhook-log"}');
          while (unread !== 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 250));
            unread = sample(await scrape(), 'licentia_outbox_depth{kind="webhook-log"}');
          }
          assert.equal(unread, 0, 'read, though nothing was committed after it');
        }
      } finally {
        await receiver.close();
      }
    });
  },
  { metricsToken: TOKEN, webhooksAllowPrivate: true, webhookRetrySchedule: [600_000], outboxPollMs: 50 },
);

it('LICENTIA_METRICS_PORT: the metrics on a port of their own; none on the main port without a token', {
  skip: backends[0]?.skip,
}, async () => {
  const port = await freePort();
  const server = await startTestServer(backends[0]!, { metricsPort: port });
  try {
    const main = await fetch(`${server.url}/metrics`);
    assert.equal(main.status, 404);
    const own = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(own.status, 200);
    assert.match(await own.text(), /licentia_http_request_duration_seconds/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'closed with the server');
});
