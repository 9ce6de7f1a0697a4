import type { Actor } from '../../domain/actors.ts';
import { type WebhookEventType, eventTypeNames, isAdminOnly } from '../../domain/webhooks.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import {
  type EndpointOwner,
  type EndpointSecrets,
  type WebhookEndpoint,
  findWebhookEndpoint,
  listWebhookEndpoints as listRows,
} from '../../store/webhook-endpoints.ts';
import { requireRole } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../../store/database.ts';

/**
 * Who may do what with webhook endpoints: the producer's admins everything, its operators read;
 * a partner (API key or portal user) its own account's endpoints, which receive what it may read.
 * Customers have no webhooks.
 */
export function endpointReaderScope(actor: Actor): EndpointOwner {
  requireRole(actor, ['admin', 'operator', 'partner']);
  if (actor.type === 'system' || actor.role !== 'partner') return { kind: 'all' };
  if (actor.accountId === null) throw new AppError('FORBIDDEN', 'A partner credential must belong to an account.');
  return { kind: 'account', accountId: actor.accountId };
}

/** Whether the actor reads the endpoints of every owner (the producer's staff), not only its own account's. */
export function readsEveryEndpoint(actor: Actor): boolean {
  return endpointReaderScope(actor).kind === 'all';
}

/**
 * The event types this person's endpoints can hear, to offer as subscriptions: a partner's never
 * hear the producer's own administration (the fan-out skips admin-only types for account endpoints).
 */
export function hearableEventTypes(actor: Actor): WebhookEventType[] {
  const everyOwner = readsEveryEndpoint(actor);
  return eventTypeNames.filter((type) => everyOwner || !isAdminOnly(type));
}

export function endpointWriterScope(actor: Actor): EndpointOwner {
  requireRole(actor, ['admin', 'partner']);
  return endpointReaderScope(actor);
}

export async function findVisibleEndpoint(
  db: Db,
  owner: EndpointOwner,
  id: string,
): Promise<WebhookEndpoint & EndpointSecrets> {
  const endpoint = await findWebhookEndpoint(db, id, owner);
  if (!endpoint) throw notFound(`Webhook endpoint ${id}`);
  return endpoint;
}

/** An endpoint without its secrets. */
export function publicEndpoint(endpoint: WebhookEndpoint & Partial<EndpointSecrets>): WebhookEndpoint {
  const { secret: _secret, previousSecret: _previous, previousSecretUntil: _until, ...rest } = endpoint;
  return rest;
}

export async function getWebhookEndpoint(ctx: ServiceContext, actor: Actor, id: string): Promise<WebhookEndpoint> {
  return publicEndpoint(await findVisibleEndpoint(ctx.store.db, endpointReaderScope(actor), id));
}

export async function listWebhookEndpoints(
  ctx: ServiceContext,
  actor: Actor,
  page: PageRequest,
): Promise<Page<WebhookEndpoint>> {
  return listRows(ctx.store.db, endpointReaderScope(actor), page);
}
