import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from '../support/backends.ts';
import { type ServerProcess, spawnServer } from '../support/cli.ts';

const KEY = 'request-id-test-admin-key-01234567';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const backend = backends[0];

/** The server's JSON log lines that carry `requestId`. */
function logLinesOf(server: ServerProcess, requestId: string): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.requestId === requestId);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('request IDs', { skip: backend?.skip }, () => {
  let server: ServerProcess;
  let drop: () => Promise<void>;
  before(async () => {
    if (!backend) throw new Error('no backend');
    const db = await backend.freshDatabase();
    drop = db.drop;
    server = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY, LOG_LEVEL: 'info' });
  });
  after(async () => {
    await server?.stop();
    await drop?.();
  });

  it('a sane X-Request-Id is taken, echoed, logged with the request, and is the instance of a problem', async () => {
    const id = `req-${process.pid}-abc.123`;
    const r = await fetch(`${server.url}/api/v1/products/prd_nope`, {
      headers: { authorization: `Bearer ${KEY}`, 'x-request-id': id },
    });
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-request-id'), id);
    const problem = await r.json();
    assert.equal(problem.instance, `urn:licentia:request:${id}`);
    await until(() => logLinesOf(server, id).length > 0);
    const lines = logLinesOf(server, id);
    assert.ok(
      lines.some((line) => line.msg === 'request' && line.status === 404),
      JSON.stringify(lines),
    );
  });

  it('a request without one, or with one that is not sane, gets a new UUID', async () => {
    for (const given of [undefined, 'has spaces and\ttabs', 'x'.repeat(200), '{"json":1}']) {
      const r = await fetch(`${server.url}/healthz`, { headers: given === undefined ? {} : { 'x-request-id': given } });
      assert.equal(r.status, 200);
      const id = r.headers.get('x-request-id') ?? '';
      assert.match(id, UUID, `for ${given}`);
    }
    const a = await fetch(`${server.url}/healthz`);
    const b = await fetch(`${server.url}/healthz`);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  });

  it('a refused body: its problem and its log line name the same made-up ID', async () => {
    const r = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{bad',
    });
    assert.equal(r.status, 400);
    const id = r.headers.get('x-request-id') ?? '';
    assert.equal((await r.json()).instance, `urn:licentia:request:${id}`);
    await until(() => logLinesOf(server, id).length > 0);
    assert.equal(logLinesOf(server, id)[0]?.status, 400);
  });
});
