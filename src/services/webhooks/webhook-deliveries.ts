import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import {
  type OutboxAttempt,
  type OutboxMessage,
  type OutboxStatus,
  findOutboxMessage,
  listAttempts,
  listOutboxRows,
  makeDueNow,
} from '../../store/outbox.ts';
import type { Db } from '../../store/database.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction, onCommit } from '../context.ts';
import { wakeDispatcher } from '../outbox/dispatcher.ts';
import { endpointReader, eventBody } from './event-views.ts';
import { WEBHOOK, type WebhookPayload, eventOfPayload } from './publish.ts';
import { endpointReaderScope, endpointWriterScope, findVisibleEndpoint } from './read-webhook-endpoints.ts';
import type { EndpointOwner } from '../../store/webhook-endpoints.ts';

/** One delivery of one event to one endpoint, as the delivery log shows it. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string | null;
  eventType: string;
  status: OutboxStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface WebhookDeliveryDetail extends WebhookDelivery {
  /** The body as sent (signed anew at each attempt). */
  body: string;
  log: OutboxAttempt[];
}

function toDelivery(row: OutboxMessage): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.target ?? '',
    eventId: row.eventId,
    eventType: row.topic,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt,
    nextAttemptAt: row.nextAttemptAt,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
  };
}

export interface DeliveryFilter {
  status?: OutboxStatus | undefined;
  eventType?: string | undefined;
}

export async function listWebhookDeliveries(
  ctx: ServiceContext,
  actor: Actor,
  endpointId: string,
  filter: DeliveryFilter,
  page: PageRequest,
): Promise<Page<WebhookDelivery>> {
  const db = ctx.store.db;
  await findVisibleEndpoint(db, endpointReaderScope(actor), endpointId);
  const rows = await listOutboxRows(
    db,
    { kind: WEBHOOK, target: endpointId, status: filter.status, topic: filter.eventType },
    page,
  );
  return { items: rows.items.map(toDelivery), nextCursor: rows.nextCursor };
}

async function findVisibleDelivery(db: Db, owner: EndpointOwner, id: string): Promise<OutboxMessage> {
  const row = await findOutboxMessage(db, id);
  if (!row || row.kind !== WEBHOOK || !row.target) throw notFound(`Webhook delivery ${id}`);
  try {
    await findVisibleEndpoint(db, owner, row.target);
  } catch {
    throw notFound(`Webhook delivery ${id}`);
  }
  return row;
}

export async function getWebhookDelivery(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
): Promise<WebhookDeliveryDetail> {
  const db = ctx.store.db;
  const row = await findVisibleDelivery(db, endpointReaderScope(actor), id);
  const payload = row.payload as WebhookPayload;
  // A producer's delivery written in the change's transaction: what its attempts send (or, not
  // attempted yet, what the first will send).
  const event = 'body' in payload ? undefined : await eventOfPayload(db, payload);
  const producer = endpointReader({ id: row.target ?? '', accountId: null });
  return {
    ...toDelivery(row),
    body: 'body' in payload ? payload.body : ((event && (await eventBody(ctx, producer, event))) ?? ''),
    log: await listAttempts(db, row.id),
  };
}

/**
 * Sends a delivery again now, whatever became of it; its attempts go on counting. Its endpoint
 * must be enabled, or the attempt would only be skipped.
 */
export async function retryWebhookDelivery(ctx: ServiceContext, actor: Actor, id: string): Promise<WebhookDelivery> {
  const owner = endpointWriterScope(actor);
  return inTransaction(ctx, async (tx, at) => {
    const row = await findVisibleDelivery(tx, owner, id);
    const endpoint = await findVisibleEndpoint(tx, owner, row.target ?? '');
    if (!endpoint.enabled && row.topic !== 'ping')
      throw new AppError('INVALID_STATE', 'The endpoint is disabled; enable it before retrying its deliveries.');
    await makeDueNow(tx, id, at);
    await audit(tx, actor, at, {
      action: 'webhook-delivery.retried',
      subjectType: 'webhook-delivery',
      subjectId: id,
      before: { status: row.status, attempts: row.attempts },
    });
    onCommit(tx, () => wakeDispatcher(ctx.store));
    return toDelivery((await findOutboxMessage(tx, id)) as OutboxMessage);
  });
}
