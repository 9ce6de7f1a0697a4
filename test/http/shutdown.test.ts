import assert from 'node:assert/strict';
import { it } from 'node:test';
import { backends } from '../support/backends.ts';
import { spawnServer } from '../support/cli.ts';
import { RawConnection, rawRequest } from '../support/raw-http.ts';

const KEY = 'shutdown-test-admin-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

for (const backend of backends) {
  it(`SIGTERM: idle connections close at once, the request in flight finishes, later ones get a 503 problem, exit 0 [${backend.name}]`, {
    skip: backend.skip,
  }, async () => {
    const db = await backend.freshDatabase();
    const server = await spawnServer({ DATABASE_URL: db.url, LICENTIA_ADMIN_KEY: KEY, LOG_LEVEL: 'warn' });
    try {
      const idle = await RawConnection.open(server.url);
      idle.write(rawRequest('GET', '/healthz'));
      assert.equal((await idle.response())?.status, 200);

      // A request whose body has only half arrived when the signal comes: it is in flight.
      const busy = await RawConnection.open(server.url);
      const body = JSON.stringify({ name: `Shutdown ${process.pid}`, version: '1.0' });
      const head = rawRequest('POST', '/api/v1/features', { ...auth, 'content-type': 'application/json' }, body);
      const split = head.length - 10;
      busy.write(head.slice(0, split));
      const ready = await RawConnection.open(server.url);
      ready.write(rawRequest('GET', '/readyz'));
      assert.equal((await ready.response())?.status, 200);

      const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await idle.closed;
      assert.equal(busy.isClosed, false, 'the connection with a request in flight stays open');

      // The rest of the body, and a second request sent on the same connection after the signal.
      busy.write(head.slice(split) + rawRequest('GET', '/api/v1/features', auth));
      const finished = await busy.response();
      assert.equal(finished?.status, 201, finished?.body);
      const refused = await busy.response();
      assert.equal(refused?.status, 503, refused?.body);
      assert.match(refused?.headers['content-type'] ?? '', /application\/problem\+json/);
      assert.equal(refused?.headers.connection, 'close');
      const problem = JSON.parse(refused?.body ?? '{}');
      assert.equal(problem.code, 'UNAVAILABLE');
      assert.equal(problem.reason, 'shutting-down');
      await busy.closed;
      assert.equal(await exited, 0, server.output());
    } finally {
      await server.stop();
      await db.drop();
    }
  });
}

it('SIGTERM: a request that does not finish within LICENTIA_SHUTDOWN_GRACE_S is cut, and the process exits 0', {
  skip: backends[0]?.skip,
}, async () => {
  const db = await backends[0]!.freshDatabase();
  const server = await spawnServer({
    DATABASE_URL: db.url,
    LICENTIA_ADMIN_KEY: KEY,
    LOG_LEVEL: 'warn',
    LICENTIA_SHUTDOWN_GRACE_S: '1',
  });
  try {
    const stuck = await RawConnection.open(server.url);
    const head = rawRequest(
      'POST',
      '/api/v1/features',
      { ...auth, 'content-type': 'application/json' },
      '{"name":"x"}',
    );
    stuck.write(head.slice(0, -3));
    // The request is in flight once the server has read its headers; /readyz on another connection
    // answering shows the server has had its turn at reading.
    const probe = await RawConnection.open(server.url);
    probe.write(rawRequest('GET', '/readyz'));
    assert.equal((await probe.response())?.status, 200);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await stuck.closed;
    assert.equal(await exited, 0, server.output());
  } finally {
    await server.stop();
    await db.drop();
  }
});
