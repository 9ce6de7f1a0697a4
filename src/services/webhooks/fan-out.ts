import type { NewOutboxMessage, OutboxMessage } from '../../store/outbox.ts';
import type { ServiceContext } from '../context.ts';
import type { DeliveryOutcome, OutboxHandler } from '../outbox/dispatcher.ts';
import { webhookHandler } from './deliver-webhook.ts';
import { endpointReader, eventBody } from './event-views.ts';
import { type PublishedEvent, WEBHOOK, WEBHOOK_EVENT, type WebhookPayload, hears, knownEndpoints } from './publish.ts';

/**
 * Turns one committed event into one `webhook` delivery per subscribed partner endpoint whose
 * owner may read the object, each body holding what that owner's GET shows (the producer's
 * endpoints got theirs in the change's transaction: `publishEvent`). A partner that may not read
 * the object gets no delivery at all, so its delivery log never names another partner's events.
 * The deliveries are written in the transaction that records the event as fanned out
 * (`followUps`); an event fanned out twice (a lease taken over) still makes one delivery per
 * endpoint (the outbox's unique event and target).
 */
export function fanOutHandler(ctx: ServiceContext): OutboxHandler {
  return {
    kind: WEBHOOK_EVENT,
    schedule: [1000, 5000, 30_000, 300_000],
    async deliver(message: OutboxMessage): Promise<DeliveryOutcome> {
      const event = message.payload as PublishedEvent;
      const endpoints = (await knownEndpoints(ctx.store)).filter(
        (e) => e.accountId !== null && hears(e, event.type, event.timestamp),
      );
      const bodies = new Map<string, string | undefined>();
      const deliveries: NewOutboxMessage[] = [];
      for (const endpoint of endpoints) {
        // Endpoints of one owner share a reading.
        const owner = endpoint.accountId ?? '';
        if (!bodies.has(owner)) bodies.set(owner, await eventBody(ctx, endpointReader(endpoint), event));
        const body = bodies.get(owner);
        if (body === undefined) continue;
        const payload: WebhookPayload = { body };
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

/** Webhooks take part in delivery: fan-out of events to partners, then the signed POSTs. */
export function registerWebhookHandlers(ctx: ServiceContext): void {
  ctx.outbox.register(fanOutHandler(ctx));
  ctx.outbox.register(webhookHandler(ctx));
}
