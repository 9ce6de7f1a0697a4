import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { backends } from '../support/backends.ts';
import { spawnServer } from '../support/cli.ts';
import { account, created } from '../support/fixtures.ts';
import { Api } from '../support/http.ts';
import { startTestServer } from '../support/server.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const KEY = 'webhook-log-admin-key-0123456789abcd';
const env = (databaseUrl: string) => ({
  DATABASE_URL: databaseUrl,
  LICENTIA_ADMIN_KEY: KEY,
  LICENTIA_WEBHOOKS_ALLOW_PRIVATE: 'true',
  LICENTIA_OUTBOX_POLL_MS: '100',
  LOG_LEVEL: 'warn',
});

const receivers: WebhookReceiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

const sqlite = backends.find((b) => b.name === 'sqlite');

// On SQLite the webhooks' deliveries are made from the audit log after the commit
// (src/services/webhooks/event-tail.ts); its cursor is a rowid, which a copy of the file may number anew.
it('on SQLite a cursor whose events were numbered anew follows its event after a restart, and nothing is sent twice', {
  skip: sqlite?.skip ?? 'no SQLite',
}, async () => {
  if (!sqlite) return;
  const db = await sqlite.freshDatabase();
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  let server = await spawnServer(env(db.url));
  try {
    let api = new Api(`${server.url}/api/v1`, KEY);
    const endpoint = await created(api.post('/webhook-endpoints', { url: receiver.url, events: ['account.created'] }));
    receiver.secrets.push(endpoint.secret);
    const before = await account(api);
    await receiver.until((r) => r.some((x) => x.event.data.id === before.id));
    await server.stop();

    // As if the rowids had been renumbered: the cursor's position is past every event, its event id still right.
    const file = new Database(db.url.slice('sqlite:'.length));
    const cursor = file
      .prepare(`select position, event_id as eventId from event_cursors where name = 'webhooks'`)
      .get() as {
      position: number;
      eventId: string;
    };
    const logged = file.prepare('select rowid as position from events where id = ?').get(cursor.eventId) as {
      position: number;
    };
    assert.equal(cursor.position, logged.position, 'the cursor names its event');
    file.prepare(`update event_cursors set position = position + 1000000 where name = 'webhooks'`).run();
    file.close();

    server = await spawnServer(env(db.url));
    api = new Api(`${server.url}/api/v1`, KEY);
    const afterRestart = await account(api);
    await receiver.until((r) => r.some((x) => x.event.data.id === afterRestart.id));
    assert.equal(receiver.received.filter((x) => x.event.data.id === before.id).length, 1, 'nothing sent twice');
    assert.ok(receiver.received.every((r) => r.verified));
  } finally {
    await server.stop('SIGKILL');
    await db.drop();
  }
});

it('on SQLite in memory, where no second connection can see the database, webhooks are delivered by the main thread', {
  skip: sqlite?.skip ?? 'no SQLite',
}, async () => {
  if (!sqlite) return;
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const server = await startTestServer(sqlite, { databaseUrl: 'sqlite::memory:', webhooksAllowPrivate: true });
  try {
    const endpoint = await created(
      server.api.post('/webhook-endpoints', { url: receiver.url, events: ['account.created'] }),
    );
    receiver.secrets.push(endpoint.secret);
    const made = await account(server.api);
    await receiver.until((r) => r.some((x) => x.event.data.id === made.id));
    assert.ok(receiver.received.every((r) => r.verified));
  } finally {
    await server.close();
  }
});
