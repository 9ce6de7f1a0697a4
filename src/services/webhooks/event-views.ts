import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import type { WebhookEventType } from '../../domain/webhooks.ts';
import { findContact } from '../../store/accounts.ts';
import { findEntitlementRecordByPk, findLineItemRecordById } from '../../store/entitlements.ts';
import { getAccount } from '../accounts/read-accounts.ts';
import { getActivation, getActivations } from '../activations/read-activations.ts';
import { getApiKey } from '../api-keys/read-api-keys.ts';
import { getWebRegisterKey } from '../bulk/read-web-register-keys.ts';
import { getFeature, getLicenseModel, getProduct } from '../catalog/read-catalog.ts';
import type { ServiceContext } from '../context.ts';
import { getEntitlement } from '../entitlements/read-entitlements.ts';
import { getUser } from '../users/read-users.ts';
import type { WebhookEndpoint } from '../../store/webhook-endpoints.ts';
import type { PublishedEvent } from './publish.ts';
import { getWebhookEndpoint } from './read-webhook-endpoints.ts';

/** An endpoint reads as its owner would: the producer's as an admin, a partner's as that partner. */
export function endpointReader(endpoint: Pick<WebhookEndpoint, 'id' | 'accountId'>): Actor {
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

/** The body of one event as `reader` is sent it; undefined when it may not read the object. */
export async function eventBody(
  ctx: ServiceContext,
  reader: Actor,
  event: PublishedEvent,
): Promise<string | undefined> {
  return bodyOf(event, await eventData(ctx, reader, event));
}

function bodyOf(event: PublishedEvent, data: unknown): string | undefined {
  if (data === undefined) return undefined;
  return JSON.stringify({ id: event.eventId, type: event.type, timestamp: event.timestamp, data });
}

/** Events about an activation: their objects are read in one query for a batch of events. */
const activationEvents: ReadonlySet<WebhookEventType> = new Set([
  'activation.created',
  'activation.license_renewed',
  'activation.returned',
  'activation.revoked',
]);

/**
 * `eventBody` of many events for one reader, the same bodies: the activations among them (a burst
 * of activations) are read in one query rather than one each.
 */
export async function eventBodies(
  ctx: ServiceContext,
  reader: Actor,
  events: readonly PublishedEvent[],
): Promise<(string | undefined)[]> {
  const reads = (event: PublishedEvent) => activationEvents.has(event.type) && !carriesView(reader, event);
  const ids = events.filter(reads).map((event) => event.subjectId);
  const activations = ids.length > 1 ? await readable(() => getActivations(ctx, reader, ids)) : undefined;
  return Promise.all(
    events.map((event) =>
      activations === undefined || !reads(event)
        ? eventBody(ctx, reader, event)
        : bodyOf(event, activations.get(event.subjectId) ?? goneData(reader, event)),
    ),
  );
}

/**
 * A new activation's event carries what its GET answers right after the commit: the service
 * records the whole view as `after` (the webhook tests compare the two). The producer is sent
 * that, without a read; a partner's reading is still checked by its own GET.
 */
export function carriesView(actor: Actor, event: PublishedEvent): boolean {
  return event.type === 'activation.created' && producerView(actor) && event.after != null;
}

/** The object an event is about, as `actor`'s own GET shows it; undefined if the actor may not see it. */
type View = (ctx: ServiceContext, actor: Actor, event: PublishedEvent) => Promise<unknown>;

const field = (value: unknown, name: string): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const member = (value as Record<string, unknown>)[name];
  return typeof member === 'string' ? member : undefined;
};

const entitlementByPk = async (ctx: ServiceContext, actor: Actor, pk: string) => {
  const row = await findEntitlementRecordByPk(ctx.store.db, pk);
  return row ? getEntitlement(ctx, actor, row.id) : undefined;
};

const entitlement: View = (ctx, actor, event) => entitlementByPk(ctx, actor, event.subjectId);

/** A line item as its entitlement's GET shows it. */
const lineItem: View = async (ctx, actor, event) => {
  const row = await findLineItemRecordById(ctx.store.db, event.subjectId);
  if (!row) return undefined;
  const owner = await entitlementByPk(ctx, actor, row.entitlementPk);
  return owner?.lineItems.find((item) => item.activationId === row.activationId);
};

/** What no longer exists has no GET: producers are told what it was; partners are not told. */
const gone: View = async (_ctx, actor, event) => (producerView(actor) ? event.before : undefined);

/** Objects without a GET of their own go to those who may read what they belong to. */
const contact: View = async (ctx, actor, event) => {
  const row = await findContact(ctx.store.db, event.subjectId);
  return row && (await getAccount(ctx, actor, row.accountId)) ? row : undefined;
};

/** A lease (no GET of its own) goes to whoever may read its entitlement. */
const lease: View = async (ctx, actor, event) => {
  const entitlementId = field(event.after, 'entitlementId');
  return entitlementId && (await getEntitlement(ctx, actor, entitlementId)) ? event.after : undefined;
};

const adminOnly: View = async (_ctx, actor, event) => (producerView(actor) ? event.after : undefined);

function producerView(actor: Actor): boolean {
  return actor.type === 'system' || (actor.type !== 'public' && (actor.role === 'admin' || actor.role === 'operator'));
}

const views: Record<WebhookEventType, View> = {
  'account.created': (ctx, actor, e) => getAccount(ctx, actor, e.subjectId),
  'account.updated': (ctx, actor, e) => getAccount(ctx, actor, e.subjectId),
  'account.handed_over': (ctx, actor, e) => getAccount(ctx, actor, e.subjectId),
  'contact.created': contact,
  'activation.created': (ctx, actor, e) =>
    carriesView(actor, e) ? Promise.resolve(e.after) : getActivation(ctx, actor, e.subjectId),
  'activation.license_renewed': (ctx, actor, e) => getActivation(ctx, actor, e.subjectId),
  'activation.returned': (ctx, actor, e) => getActivation(ctx, actor, e.subjectId),
  'activation.revoked': (ctx, actor, e) => getActivation(ctx, actor, e.subjectId),
  'lease.checked_out': lease,
  'lease.released': lease,
  'entitlement.created': entitlement,
  'entitlement.updated': entitlement,
  'entitlement.deleted': gone,
  'entitlement.state_changed': entitlement,
  'entitlement.ids_regenerated': entitlement,
  'line_item.added': lineItem,
  'line_item.updated': lineItem,
  'line_item.deleted': gone,
  'line_item.transferred': lineItem,
  'line_item.split': lineItem,
  'line_item.renewed': lineItem,
  'line_item.upsold': lineItem,
  'line_item.upgraded': lineItem,
  'web_register_keys.loaded': entitlement,
  'web_register_keys.voided': entitlement,
  'web_register_keys.split': entitlement,
  'web_register_key.voided': (ctx, actor, e) => getWebRegisterKey(ctx, actor, e.subjectId),
  'web_register_key.redeemed': async (ctx, actor, e) => {
    const key = field(e.after, 'key');
    return key === undefined ? undefined : getWebRegisterKey(ctx, actor, key);
  },
  'product.created': (ctx, actor, e) => getProduct(ctx, actor, e.subjectId),
  'product.updated': (ctx, actor, e) => getProduct(ctx, actor, e.subjectId),
  'feature.created': (ctx, actor, e) => getFeature(ctx, actor, e.subjectId),
  'license_model.created': (ctx, actor, e) => getLicenseModel(ctx, actor, e.subjectId),
  'api_key.created': (ctx, actor, e) => getApiKey(ctx, actor, e.subjectId),
  'api_key.restored': (ctx, actor, e) => getApiKey(ctx, actor, e.subjectId),
  'api_key.revoked': (ctx, actor, e) => getApiKey(ctx, actor, e.subjectId),
  'user.created': (ctx, actor, e) => getUser(ctx, actor, e.subjectId),
  'user.updated': (ctx, actor, e) => getUser(ctx, actor, e.subjectId),
  'signing_key.created': adminOnly,
  'webhook_endpoint.created': (ctx, actor, e) => getWebhookEndpoint(ctx, actor, e.subjectId),
  'webhook_endpoint.updated': (ctx, actor, e) => getWebhookEndpoint(ctx, actor, e.subjectId),
  'webhook_endpoint.deleted': async (_ctx, actor, e) => {
    const accountId = field(e.before, 'accountId');
    const own = actor.type !== 'public' && actor.type !== 'system' && actor.accountId === accountId;
    return producerView(actor) || own ? e.before : undefined;
  },
  'webhook_endpoint.secret_rotated': (ctx, actor, e) => getWebhookEndpoint(ctx, actor, e.subjectId),
  'webhook_endpoint.disabled': (ctx, actor, e) => getWebhookEndpoint(ctx, actor, e.subjectId),
};

/**
 * What `actor` is sent as an event's `data`: exactly what its GET of the object answers now,
 * just after the change committed; undefined when it may not read the object (the event is then
 * not sent to it at all).
 */
export async function eventData(ctx: ServiceContext, actor: Actor, event: PublishedEvent): Promise<unknown> {
  return (await readable(() => views[event.type](ctx, actor, event))) ?? goneData(actor, event);
}

/** What a read answers, or undefined where the reader may not see the object (or it is gone). */
async function readable<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return (await read()) ?? undefined;
  } catch (error) {
    if (error instanceof AppError && ['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED'].includes(error.code))
      return undefined;
    throw error;
  }
}

/**
 * Deleted again before the fan-out: the producer is told what the audit log recorded; a partner,
 * whose reading cannot be checked any more, is told nothing.
 */
function goneData(actor: Actor, event: PublishedEvent): unknown {
  return producerView(actor) ? (event.after ?? event.before ?? undefined) : undefined;
}
