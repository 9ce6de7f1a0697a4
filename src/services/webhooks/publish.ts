import type { AuditEvent } from '../../domain/events.ts';
import { type WebhookEventType, eventTypeOf, isAdminOnly, subscribes } from '../../domain/webhooks.ts';
import { type Db, type Store, storeOf } from '../../store/database.ts';
import { findEvent } from '../../store/events.ts';
import type { NewOutboxMessage } from '../../store/outbox.ts';
import {
  type EndpointSecrets,
  type WebhookEndpoint,
  findWebhookEndpoint,
  liveWebhookEndpoints,
} from '../../store/webhook-endpoints.ts';
import { enqueue } from '../outbox/enqueue.ts';

/** An event to fan out to partner endpoints (each reads it as that partner). */
export const WEBHOOK_EVENT = 'webhook-event';
/** One delivery of one event (or ping) to one endpoint. */
export const WEBHOOK = 'webhook';
/** Announced to every process (PostgreSQL NOTIFY) when endpoints change. */
export const ENDPOINTS_CHANGED = 'webhook-endpoints';

/** What the fan-out needs of an audited change; the rest of the event stays in the audit log. */
export interface PublishedEvent {
  eventId: string;
  type: WebhookEventType;
  timestamp: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
}

/**
 * What a `webhook` delivery carries: the exact body, fixed at the fan-out or at the first attempt
 * (and kept for every retry); or the event whose body the producer's view of it will be (a
 * delivery written in the change's own transaction): in memory the event itself, in the row only
 * its audit event's id (`ofEvent`), read back when the row is. Rows written before kept the event.
 */
export type WebhookPayload = { body: string } | { event: PublishedEvent } | { ofEvent: string };

/** An audited change as its webhooks see it; undefined for actions that are not webhook events. */
export function publishedOf(event: AuditEvent): PublishedEvent | undefined {
  const type = eventTypeOf(event.action);
  if (!type) return undefined;
  return {
    eventId: event.id,
    type,
    timestamp: event.at,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    before: event.before ?? null,
    after: event.after ?? null,
  };
}

/** The event a producer's delivery is about (read from the audit log if the row kept only its id). */
export async function eventOfPayload(
  db: Db,
  payload: Exclude<WebhookPayload, { body: string }>,
): Promise<PublishedEvent | undefined> {
  if ('event' in payload) return payload.event;
  const event = await findEvent(db, payload.ofEvent);
  return event && publishedOf(event);
}

export type StoredEndpoint = WebhookEndpoint & EndpointSecrets;

/**
 * The endpoints not deleted, with their stored secrets, known to this process: the many changes
 * nobody subscribes to cost no query, and a delivery no lookup. Forgotten when endpoints change
 * here or in another process (announced), and after a few seconds in any case (a lost
 * announcement).
 */
class EndpointDirectory {
  #endpoints: StoredEndpoint[] | undefined;
  #enabled: StoredEndpoint[] = [];
  #byId = new Map<string, StoredEndpoint>();
  #loadedAt = 0;
  /** Moves at each `forget`: a read under way then is not kept. */
  #generation = 0;
  /** Opened secrets by endpoint and stored value: opening is per endpoint, not per delivery. */
  readonly opened = new Map<string, Promise<string>>();
  static readonly maxAgeMs = 5000;

  async #load(db: Db): Promise<void> {
    if (this.#endpoints && Date.now() - this.#loadedAt < EndpointDirectory.maxAgeMs) return;
    const loadedAt = Date.now();
    const generation = this.#generation;
    const endpoints = await liveWebhookEndpoints(db);
    this.#enabled = endpoints.filter((e) => e.enabled);
    this.#byId = new Map(endpoints.map((e) => [e.id, e]));
    // Forgotten while reading: what was read may be from before the change; the caller uses it, nobody keeps it.
    if (generation !== this.#generation) return;
    this.#endpoints = endpoints;
    this.#loadedAt = loadedAt;
  }

  async enabled(db: Db): Promise<StoredEndpoint[]> {
    await this.#load(db);
    return this.#enabled;
  }

  /** An endpoint not deleted; one made a moment ago by another process is looked up. */
  async find(db: Db, id: string): Promise<StoredEndpoint | undefined> {
    await this.#load(db);
    return this.#byId.get(id) ?? (await findWebhookEndpoint(db, id, { kind: 'all' }));
  }

  forget(): void {
    this.#generation += 1;
    this.#endpoints = undefined;
    this.#byId = new Map();
    this.#enabled = [];
    this.opened.clear();
  }
}

const directories = new WeakMap<Store, EndpointDirectory>();

export function directoryOf(store: Store): EndpointDirectory {
  let directory = directories.get(store);
  if (!directory) {
    directory = new EndpointDirectory();
    directories.set(store, directory);
  }
  return directory;
}

/** The enabled endpoints as this process knows them (see EndpointDirectory). */
export function knownEndpoints(store: Store): Promise<StoredEndpoint[]> {
  return directoryOf(store).enabled(store.db);
}

const endpointWatchers = new WeakMap<Store, () => void>();

/** `watcher` is told each time this process learns that endpoints changed (it forgets what it knew). */
export function watchWebhookEndpoints(store: Store, watcher: () => void): void {
  endpointWatchers.set(store, watcher);
}

export function forgetWebhookEndpoints(store: Store): void {
  directoryOf(store).forget();
  endpointWatchers.get(store)?.();
}

/** Whether `endpoint` hears of `event` at all (before asking whether its owner may read it). */
export function hears(endpoint: WebhookEndpoint, type: WebhookEventType, timestamp: string): boolean {
  // An endpoint hears of changes made after it was created, not of a backlog from before.
  return (
    subscribes(endpoint.events, type) &&
    (!isAdminOnly(type) || endpoint.accountId === null) &&
    endpoint.createdAt <= timestamp
  );
}

/**
 * The enabled endpoints as known, and the one the event is about (made or changed in this very
 * transaction, so not known yet): an endpoint hears of its own creation.
 */
async function candidates(tx: Db, event: AuditEvent): Promise<StoredEndpoint[]> {
  const known = await directoryOf(storeOf(tx)).enabled(tx);
  if (event.subjectType !== 'webhook-endpoint') return known;
  const subject = await findWebhookEndpoint(tx, event.subjectId, { kind: 'all' });
  const others = known.filter((e) => e.id !== event.subjectId);
  return subject?.enabled ? [...others, subject] : others;
}

/**
 * The deliveries of one committed (or committing) event to the endpoints that hear of it. The
 * producer's endpoints see everything: one delivery each, whose body (the producer's view of the
 * object) is made at the first attempt; the row keeps the audit event's id, not a second copy of
 * the event, which the writer has at hand. Partner endpoints depend on what each partner may read:
 * the event goes into the outbox once, to be fanned out to them (`fan-out.ts`).
 */
export function deliveriesOf(event: AuditEvent, endpoints: readonly StoredEndpoint[]): NewOutboxMessage[] {
  const published = publishedOf(event);
  if (!published) return [];
  const { type } = published;
  const messages: NewOutboxMessage[] = [];
  let partners = false;
  for (const endpoint of endpoints) {
    if (!hears(endpoint, type, event.at)) continue;
    if (endpoint.accountId !== null) {
      partners = true;
      continue;
    }
    const payload: WebhookPayload = { ofEvent: event.id };
    const inMemory: WebhookPayload = { event: published };
    messages.push({
      kind: WEBHOOK,
      topic: type,
      target: endpoint.id,
      eventId: event.id,
      payload,
      inMemory,
      at: event.at,
    });
  }
  if (partners)
    messages.push({ kind: WEBHOOK_EVENT, topic: type, eventId: event.id, payload: published, at: event.at });
  return messages;
}

/**
 * Whether a store's webhooks are made from its audit log after the commit (`event-tail.ts`):
 * SQLite, whose one writer makes the log's order the order of commits. On PostgreSQL, where
 * transactions commit in another order than they wrote, `publishEvent` writes them in the change's
 * own transaction.
 */
export function tailsAuditLog(store: Store): boolean {
  return store.dialect === 'sqlite';
}

/**
 * Called next to every audit event's insert, in the same transaction, so that a rolled-back
 * change takes its deliveries with it (PostgreSQL; see `tailsAuditLog`).
 */
export async function publishEvent(tx: Db, event: AuditEvent): Promise<void> {
  const store = storeOf(tx);
  if (tailsAuditLog(store) || !eventTypeOf(event.action)) return;
  const messages = deliveriesOf(event, await candidates(tx, event));
  if (messages.length > 0) await enqueue(tx, ...messages);
}
