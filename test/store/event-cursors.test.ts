import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { newId } from '../../src/domain/ids.ts';
import { openStore } from '../../src/store/database.ts';
import { eventsBehind, moveEventCursor, readEventCursor } from '../../src/store/event-cursors.ts';
import { appendEvent, eventsAfter } from '../../src/store/events.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { backends } from '../support/backends.ts';

const sqlite = backends.find((b) => b.name === 'sqlite');
const dropped: (() => Promise<void>)[] = [];
after(async () => {
  for (const drop of dropped) await drop();
});

// The webhooks' reader of the audit log on SQLite (src/services/webhooks/event-tail.ts) and the metric of what it has not read.
it('the webhooks cursor starts where the log ended at the migration, and counts the events it has not taken', {
  skip: sqlite?.skip ?? 'no SQLite',
}, async () => {
  if (!sqlite) return;
  const database = await sqlite.freshDatabase();
  dropped.push(() => database.drop());
  const store = openStore({ url: database.url });
  try {
    const subjectId = newId('account');
    await migrateToLatest(store);
    const start = await readEventCursor(store.db, 'webhooks');
    assert.deepEqual(start, { position: 0, eventId: null }, 'an empty log: from its start');
    assert.deepEqual(await eventsBehind(store.db, 'webhooks'), { depth: 0, oldestAt: null });

    const events = ['2026-12-08T01:00:00.000Z', '2026-12-08T01:00:01.000Z', '2026-12-08T01:00:02.000Z'].map((at) => ({
      id: newId('event'),
      at,
      actor: 'system',
      action: 'account.created',
      subjectType: 'account',
      subjectId,
      before: null,
      after: null,
    }));
    for (const event of events) await appendEvent(store.db, event);
    assert.deepEqual(await eventsBehind(store.db, 'webhooks'), { depth: 3, oldestAt: events[0]?.at });

    const logged = await eventsAfter(store.db, 0, 2);
    assert.deepEqual(
      logged.map((l) => l.event.id),
      events.slice(0, 2).map((e) => e.id),
      'in the order they were committed',
    );
    const second = logged[1];
    assert.ok(second);
    const to = { position: second.position, eventId: second.event.id };
    assert.equal(await moveEventCursor(store.db, 'webhooks', start, to, events[2]?.at ?? ''), true);
    assert.equal(
      await moveEventCursor(store.db, 'webhooks', start, to, events[2]?.at ?? ''),
      false,
      'a reader that lost the race moves nothing',
    );
    assert.deepEqual(await eventsBehind(store.db, 'webhooks'), { depth: 1, oldestAt: events[2]?.at });
  } finally {
    await store.close();
  }
});
