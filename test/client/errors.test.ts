import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { LicentiaError, parseRetryAfter } from '../../src/client/errors.ts';
import { heartbeatDelayMs } from '../../src/client/floating-seat.ts';
import { LicentiaClient } from '../../src/client/licentia-client.ts';

const now = new Date('2026-03-01T12:00:00Z');

describe('client errors', () => {
  it('carry the problem document of an error response, with Retry-After in seconds', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Slow down.',
      code: 'RATE_LIMITED',
    };
    const response = new Response(JSON.stringify(problem), {
      status: 429,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '17' },
    });
    const error = await LicentiaError.fromResponse(response, now);
    assert.ok(error instanceof Error);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'RATE_LIMITED');
    assert.equal(error.detail, 'Slow down.');
    assert.equal(error.retryAfter, 17);
    assert.deepEqual(error.problem, problem);
    assert.equal(error.message, 'RATE_LIMITED: Slow down.');
  });

  it('still say what happened when the answer is not a problem document', async () => {
    const error = await LicentiaError.fromResponse(
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      now,
    );
    assert.equal(error.status, 502);
    assert.equal(error.code, 'HTTP_502');
    assert.match(error.detail, /502 Bad Gateway/);
    assert.equal(error.retryAfter, undefined);
    assert.equal(error.problem, undefined);
  });

  it('read Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter(' 120 ', now), 120);
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-5', now), undefined);
  });

  it('are NETWORK_ERROR with status 0 when nothing answers', async () => {
    // A port that was just free: the connection is refused at once.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const client = new LicentiaClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
    await assert.rejects(
      client.validate({ token: 'x' }),
      (e) => e instanceof LicentiaError && e.status === 0 && e.code === 'NETWORK_ERROR',
    );
  });
});

describe('floating seats', () => {
  it('heartbeat at a third of the time to live, never more than once a second', () => {
    assert.equal(heartbeatDelayMs(900), 300_000);
    assert.equal(heartbeatDelayMs(60), 20_000);
    assert.equal(heartbeatDelayMs(1), 1000);
    assert.equal(heartbeatDelayMs(0), 1000);
    assert.equal(heartbeatDelayMs(900, 5000), 5000);
  });
});

describe('LicentiaClient', () => {
  it('keeps a path prefix of its base URL and refuses other schemes', () => {
    assert.equal(
      new LicentiaClient({ baseUrl: 'https://example.com/licensing' }).baseUrl.href,
      'https://example.com/licensing/',
    );
    assert.equal(
      new URL('api/v1/activations', new LicentiaClient({ baseUrl: 'https://example.com/licensing/' }).baseUrl).href,
      'https://example.com/licensing/api/v1/activations',
    );
    assert.throws(() => new LicentiaClient({ baseUrl: 'file:///etc/passwd' }), TypeError);
  });
});
