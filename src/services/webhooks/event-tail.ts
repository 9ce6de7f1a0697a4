import type { Store } from '../../store/database.ts';
import { type EventCursor, moveEventCursor, readEventCursor } from '../../store/event-cursors.ts';
import { eventsAfter, positionOfEvent } from '../../store/events.ts';
import type { ServiceContext } from '../context.ts';
import type { NewOutboxMessage } from '../../store/outbox.ts';
import { enqueueIn } from '../outbox/dispatcher.ts';
import { SerialRun } from '../serial-run.ts';
import { runTransaction } from '../transaction-scope.ts';
import { deliveriesOf, forgetWebhookEndpoints, knownEndpoints } from './publish.ts';

/** The name of the webhooks' cursor in `event_cursors`. */
export const CURSOR = 'webhooks';
/** Events taken at once: their deliveries are written in one transaction, which holds SQLite's write lock. */
const BATCH = 100;
/** How often the log is looked at for commits of other connections (a number read, no query). */
const LOOK_EVERY_MS = 20;
/** A cursor moved past events without deliveries is written at most this often (the metrics read it). */
const SAVE_EVERY_MS = 5000;

/**
 * On SQLite the audit log is the webhooks' outbox. A change writes its audit event in its own
 * transaction and nothing more; this reader then takes the events committed since it last looked,
 * in commit order (SQLite's rowid: one writer at a time), and writes their deliveries together with
 * the cursor's move, in one transaction. So a rolled-back change sends nothing (it has no event), a
 * committed one is never lost (the cursor moves only with the deliveries written), and the thread
 * that serves requests spends nothing on webhooks at all.
 *
 * It runs beside the webhook dispatcher (`webhook-delivery.ts`), on its thread and connection; it
 * looks when SQLite's `data_version` says another connection committed, or when woken.
 */
export class EventTail {
  readonly #ctx: ServiceContext;
  readonly #reads: SerialRun;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #seen: string | undefined;
  /** Whether the cursor was read from the database since this reader started (or lost a race). */
  #loaded = false;
  /** The cursor as the database has it, and how far this reader has read: past events that make no delivery. */
  #saved: EventCursor | undefined;
  #read: EventCursor | undefined;
  #savedAt = 0;

  constructor(ctx: ServiceContext, log: (message: string, error: unknown) => void) {
    this.#ctx = ctx;
    this.#reads = new SerialRun(
      () => this.#drain(),
      (error) => log('reading the audit log for webhooks failed; the next look tries again', error),
    );
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#timer = setInterval(() => this.#look(), LOOK_EVERY_MS);
    this.#timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#reads.settled();
  }

  wake(): void {
    if (!this.#stopped) this.#reads.request();
  }

  /**
   * What moves when events may have been committed: other connections' commits (`data_version`);
   * and, where this reader shares the serving thread's connection (SQLite in memory, or a webhook
   * thread that could not start), that connection's own changes too.
   */
  #version(): unknown {
    const { store } = this.#ctx;
    if (store.writerTurns?.helper) return store.externalWrites();
    return [store.externalWrites(), store.cachedStatement('select total_changes() as n').get()];
  }

  #look(): void {
    const version = JSON.stringify(this.#version());
    // A cursor read past events without deliveries is written once it is due, even when nothing more is committed.
    if (version === this.#seen && !(this.#read !== this.#saved && this.#saveDue())) return;
    this.#seen = version;
    this.wake();
  }

  async #drain(): Promise<void> {
    while (!this.#stopped && (await this.#step()) === BATCH);
  }

  /** Takes the next events; answers how many. */
  async #step(): Promise<number> {
    const { store } = this.#ctx;
    if (!this.#loaded) {
      this.#saved = await this.#renumbered(store, await readEventCursor(store.db, CURSOR));
      this.#read = this.#saved;
      this.#loaded = true;
    }
    const logged = await eventsAfter(store.db, this.#read?.position ?? 0, BATCH);
    const last = logged.at(-1);
    if (!last) {
      if (this.#read !== this.#saved && this.#saveDue()) await this.#save(this.#read, []);
      return 0;
    }
    // An endpoint made or changed among these events must be known before they are matched.
    if (logged.some((l) => l.event.subjectType === 'webhook-endpoint')) forgetWebhookEndpoints(store);
    const endpoints = await knownEndpoints(store);
    const messages = logged.flatMap((l) => deliveriesOf(l.event, endpoints));
    const to = { position: last.position, eventId: last.event.id };
    // Events that make no delivery need no write: read again after a restart, they make none again.
    if (messages.length > 0 || this.#saveDue()) await this.#save(to, messages);
    else this.#read = to;
    return logged.length;
  }

  /** Whether the cursor is to be written even without deliveries (see SAVE_EVERY_MS). */
  #saveDue(): boolean {
    return Date.now() - this.#savedAt >= SAVE_EVERY_MS;
  }

  /** Writes the deliveries and moves the cursor to `to`, in one transaction. */
  async #save(to: EventCursor | undefined, messages: NewOutboxMessage[]): Promise<void> {
    if (!to) return;
    const { store } = this.#ctx;
    const from = this.#saved;
    let moved = false;
    try {
      await runTransaction(store, false, async (tx) => {
        // Conditional: a second reader of the same file (two servers on one SQLite) takes them once.
        moved = await moveEventCursor(tx, CURSOR, from, to, this.#ctx.now().toISOString());
        if (moved) await enqueueIn(tx, messages);
      });
    } catch (error) {
      this.#read = this.#saved;
      throw error;
    }
    this.#savedAt = Date.now();
    if (moved) {
      this.#saved = to;
      this.#read = to;
    } else {
      this.#loaded = false;
    }
  }

  /**
   * A copy of the database (a restored backup, `VACUUM INTO`) may number the events anew: the
   * cursor's event is looked up by its id once, and the cursor follows it.
   */
  async #renumbered(store: Store, cursor: EventCursor | undefined): Promise<EventCursor | undefined> {
    if (!cursor?.eventId) return cursor;
    const position = await positionOfEvent(store.db, cursor.eventId);
    if (position === undefined || position === cursor.position) return cursor;
    const moved = { position, eventId: cursor.eventId };
    const at = this.#ctx.now().toISOString();
    await runTransaction(store, false, (tx) => moveEventCursor(tx, CURSOR, cursor, moved, at));
    return moved;
  }
}
