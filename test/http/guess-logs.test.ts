import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import pino from 'pino';
import { defaultConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';
import { backends } from '../support/backends.ts';
import { Api } from '../support/http.ts';
import { ADMIN_KEY } from '../support/server.ts';

/** A server whose log lines are kept for the test to read (logging does not depend on the database). */
async function loggedServer(overrides: Partial<typeof defaultConfig> = {}) {
  const backend = backends[0];
  assert.ok(backend);
  const database = await backend.freshDatabase();
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const running = await startServer(
    { ...defaultConfig, port: 0, databaseUrl: database.url, adminKey: ADMIN_KEY, ...overrides },
    pino({ level: 'warn' }, sink),
  );
  return {
    device: new Api(`${running.url}/api/v1`, null),
    lines,
    close: async () => {
      await running.close();
      await database.drop();
    },
  };
}

it('warns once when X-Forwarded-For arrives but the proxy is not trusted', async () => {
  const server = await loggedServer();
  try {
    for (let i = 0; i < 3; i++)
      await server.device.post(
        '/licenses/validate',
        { code: 'NOPE-NOPE', fingerprint: 'x' },
        { headers: { 'x-forwarded-for': '198.51.100.1' } },
      );
    const warnings = server.lines.filter((l) => String(l.msg).includes('X-Forwarded-For'));
    assert.equal(warnings.length, 1, 'once per interval, not per request');
    assert.match(String(warnings[0]?.msg), /LICENTIA_TRUST_PROXY/);
  } finally {
    await server.close();
  }
});

it('logs an address that runs out of guesses once, hashed, never in clear', async () => {
  const server = await loggedServer({ failedAttemptsPerMinute: 3 });
  try {
    for (let i = 0; i < 6; i++) await server.device.post('/activations', { code: `NOPE-${i}-AAAA`, fingerprint: 'x' });
    const refused = server.lines.filter((l) => String(l.msg).includes('failed-guess budget'));
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.family, 'activation');
    const hashed = createHash('sha256').update('127.0.0.1').digest('hex').slice(0, 16);
    assert.equal(refused[0]?.address, hashed);
    assert.ok(!JSON.stringify(server.lines).includes('127.0.0.1'), 'no address in clear');
  } finally {
    await server.close();
  }
});
