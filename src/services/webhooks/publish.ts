import type { AuditEvent } from '../../domain/events.ts';
import { type WebhookEventType, eventTypeOf, isAdminOnly, subscribes } from '../../domain/webhooks.ts';
import { type Db, type Store, storeOf } from '../../store/database.ts';
import { type WebhookEndpoint, enabledWebhookEndpoints } from '../../store/webhook-endpoints.ts';
import { enqueue } from '../outbox/enqueue.ts';

export const WEBHOOK_EVENT = 'webhook-event';
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
 * The enabled endpoints, known to this process, so that the many changes nobody subscribes to
 * cost no query. Forgotten when endpoints change here or in another process (announced), and
 * after a few seconds in any case (a lost announcement).
 */
class EndpointDirectory {
  #endpoints: WebhookEndpoint[] | undefined;
  #loadedAt = 0;
  static readonly maxAgeMs = 5000;

  async get(db: Db): Promise<WebhookEndpoint[]> {
    if (this.#endpoints && Date.now() - this.#loadedAt < EndpointDirectory.maxAgeMs) return this.#endpoints;
    const loadedAt = Date.now();
    const endpoints = await enabledWebhookEndpoints(db);
    this.#endpoints = endpoints;
    this.#loadedAt = loadedAt;
    return endpoints;
  }

  forget(): void {
    this.#endpoints = undefined;
  }
}

const directories = new WeakMap<Store, EndpointDirectory>();

function directoryOf(store: Store): EndpointDirectory {
  let directory = directories.get(store);
  if (!directory) {
    directory = new EndpointDirectory();
    directories.set(store, directory);
  }
  return directory;
}

/** The enabled endpoints as this process knows them (see EndpointDirectory). */
export function knownEndpoints(store: Store): Promise<WebhookEndpoint[]> {
  return directoryOf(store).get(store.db);
}

export function forgetWebhookEndpoints(store: Store): void {
  directoryOf(store).forget();
}

/**
 * Called next to every audit event's insert, in the same transaction: if any enabled endpoint
 * subscribes to the event's type, the event goes into the outbox, to be fanned out to each
 * endpoint (with what that endpoint's owner may see) once the change has committed. A rolled-back
 * change takes its event with it.
 */
export async function publishEvent(tx: Db, event: AuditEvent): Promise<void> {
  const type = eventTypeOf(event.action);
  if (!type) return;
  const endpoints = await directoryOf(storeOf(tx)).get(tx);
  const adminOnly = isAdminOnly(type);
  if (!endpoints.some((e) => (!adminOnly || e.accountId === null) && subscribes(e.events, type))) return;
  const published: PublishedEvent = {
    eventId: event.id,
    type,
    timestamp: event.at,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    before: event.before ?? null,
    after: event.after ?? null,
  };
  await enqueue(tx, { kind: WEBHOOK_EVENT, topic: type, eventId: event.id, payload: published, at: event.at });
}
