import type { Actor } from '../../domain/actors.ts';
import { isAdminOnly, subscribes } from '../../domain/webhooks.ts';
import type { NewOutboxMessage, OutboxMessage } from '../../store/outbox.ts';
import type { WebhookEndpoint } from '../../store/webhook-endpoints.ts';
import type { ServiceContext } from '../context.ts';
import type { DeliveryOutcome, OutboxHandler } from '../outbox/dispatcher.ts';
import { WEBHOOK, type WebhookPayload, webhookHandler } from './deliver-webhook.ts';
import { eventData } from './event-views.ts';
import { type PublishedEvent, WEBHOOK_EVENT, knownEndpoints } from './publish.ts';

/** An endpoint reads as its owner would: the producer's as an admin, a partner's as that partner. */
function readerOf(endpoint: WebhookEndpoint): Actor {
  return endpoint.accountId === null
    ? { type: 'api-key', id: `webhook:${endpoint.id}`, role: 'admin', accountId: null, accountAnonymous: false }
    : {
        type: 'api-key',
        id: `webhook:${endpoint.id}`,
        role: 'partner',
        accountId: endpoint.accountId,
        accountAnonymous: false,
      };
}

/**
 * Turns one committed event into one `webhook` delivery per subscribed endpoint whose owner may
 * read the object, each body holding what that owner's GET shows. The deliveries are written in
 * the transaction that records the event as fanned out (`followUps`); an event fanned out twice (a
 * lease taken over) still makes one delivery per endpoint (the outbox's unique event and target).
 */
export function fanOutHandler(ctx: ServiceContext): OutboxHandler {
  return {
    kind: WEBHOOK_EVENT,
    schedule: [1000, 5000, 30_000, 300_000],
    async deliver(message: OutboxMessage): Promise<DeliveryOutcome> {
      const event = message.payload as PublishedEvent;
      const adminOnly = isAdminOnly(event.type);
      const endpoints = (await knownEndpoints(ctx.store)).filter(
        // An endpoint hears of changes made after it was created, not of a backlog from before.
        (e) =>
          subscribes(e.events, event.type) && (!adminOnly || e.accountId === null) && e.createdAt <= event.timestamp,
      );
      const views = new Map<string, unknown>();
      const deliveries: NewOutboxMessage[] = [];
      for (const endpoint of endpoints) {
        // Endpoints of one owner share a reading.
        const owner = endpoint.accountId ?? '';
        if (!views.has(owner)) views.set(owner, await eventData(ctx, readerOf(endpoint), event));
        const data = views.get(owner);
        if (data === undefined) continue;
        const payload: WebhookPayload = {
          body: JSON.stringify({ id: event.eventId, type: event.type, timestamp: event.timestamp, data }),
        };
        deliveries.push({
          kind: WEBHOOK,
          topic: event.type,
          target: endpoint.id,
          eventId: event.eventId,
          payload,
          at: ctx.now().toISOString(),
        });
      }
      if (deliveries.length === 0) return { result: 'skipped', reason: 'no endpoint may see it' };
      return { result: 'delivered', followUps: deliveries };
    },
  };
}

/** Webhooks take part in delivery: fan-out of events, then the signed POSTs. */
export function registerWebhookHandlers(ctx: ServiceContext): void {
  ctx.outbox.register(fanOutHandler(ctx));
  ctx.outbox.register(webhookHandler(ctx));
}
