import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { PING, generateWebhookSecret, unknownPatterns } from '../../domain/webhooks.ts';
import type { Db } from '../../store/database.ts';
import { UnreadableKeyError } from '../../licensing/sealed-key.ts';
import {
  type EndpointSecrets,
  type WebhookEndpoint,
  insertWebhookEndpoint,
  updateWebhookEndpointRow,
} from '../../store/webhook-endpoints.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction, onCommit } from '../context.ts';
import { enqueue } from '../outbox/enqueue.ts';
import { ENDPOINTS_CHANGED, WEBHOOK, forgetWebhookEndpoints } from './publish.ts';
import { endpointWriterScope, findVisibleEndpoint, publicEndpoint } from './read-webhook-endpoints.ts';
import { targetProblem } from './safe-target.ts';
import { sealWebhookSecret, signingSecrets } from './webhook-secrets.ts';

export interface CreateWebhookEndpointInput {
  url: string;
  events: string[];
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

export type UpdateWebhookEndpointInput = Partial<CreateWebhookEndpointInput>;

/** The secret is in this answer only; afterwards the endpoint is shown without it. */
export interface EndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

/** A rotated secret keeps signing beside the new one this long, so receivers can switch over. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

async function checkInput(ctx: ServiceContext, input: UpdateWebhookEndpointInput): Promise<void> {
  if (input.url !== undefined) {
    const problem = await targetProblem(input.url, ctx.config.webhooksAllowPrivate);
    if (problem)
      throw new AppError('VALIDATION_FAILED', `The URL ${problem}.`, { fields: [{ field: '/url', message: problem }] });
  }
  if (input.events !== undefined) {
    const unknown = unknownPatterns(input.events);
    if (unknown.length > 0 || input.events.length === 0) {
      const message = unknown.length ? `unknown event types: ${unknown.join(', ')}` : 'name at least one event type';
      throw new AppError('VALIDATION_FAILED', `The events ${message}.`, { fields: [{ field: '/events', message }] });
    }
  }
}

/** Every process forgets its list of endpoints when this transaction commits. */
async function endpointsChanged(ctx: ServiceContext, tx: Db): Promise<void> {
  await ctx.store.announceChange(tx, ENDPOINTS_CHANGED);
  onCommit(tx, () => forgetWebhookEndpoints(ctx.store));
}

export async function createWebhookEndpoint(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateWebhookEndpointInput,
): Promise<EndpointWithSecret> {
  const owner = endpointWriterScope(actor);
  await checkInput(ctx, input);
  const id = newId('webhookEndpoint');
  const secret = generateWebhookSecret();
  const sealed = await sealWebhookSecret(ctx, id, secret);
  return inTransaction(ctx, async (tx, at) => {
    const enabled = input.enabled ?? true;
    const endpoint = await insertWebhookEndpoint(tx, {
      id,
      account_id: owner.kind === 'account' ? owner.accountId : null,
      url: input.url,
      events: JSON.stringify([...new Set(input.events)]),
      description: input.description ?? null,
      enabled: enabled ? 1 : 0,
      disabled_reason: enabled ? null : 'disabled by its owner',
      disabled_at: enabled ? null : at,
      secret: sealed,
      previous_secret: null,
      previous_secret_until: null,
      failing_since: null,
      last_success_at: null,
      created_by: actor.type === 'api-key' || actor.type === 'user' ? `${actor.type}:${actor.id}` : actor.type,
      created_at: at,
      updated_at: at,
      deleted_at: null,
    });
    await endpointsChanged(ctx, tx);
    await audit(tx, actor, at, {
      action: 'webhook-endpoint.created',
      subjectType: 'webhook-endpoint',
      subjectId: endpoint.id,
      after: endpoint,
    });
    return { ...endpoint, secret };
  });
}

export async function updateWebhookEndpoint(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const owner = endpointWriterScope(actor);
  await checkInput(ctx, input);
  return inTransaction(ctx, async (tx, at) => {
    const before = publicEndpoint(await findVisibleEndpoint(tx, owner, id));
    const enabling = input.enabled === true && !before.enabled;
    const disabling = input.enabled === false && before.enabled;
    await updateWebhookEndpointRow(tx, id, {
      ...(input.url !== undefined && { url: input.url }),
      ...(input.events !== undefined && { events: JSON.stringify([...new Set(input.events)]) }),
      ...(input.description !== undefined && { description: input.description }),
      // Enabled again: its failures so far no longer count towards disabling it.
      ...(enabling && { enabled: 1, disabled_reason: null, disabled_at: null, failing_since: null }),
      ...(disabling && { enabled: 0, disabled_reason: 'disabled by its owner', disabled_at: at }),
      updated_at: at,
    });
    const after = publicEndpoint(await findVisibleEndpoint(tx, owner, id));
    await endpointsChanged(ctx, tx);
    await audit(tx, actor, at, {
      action: 'webhook-endpoint.updated',
      subjectType: 'webhook-endpoint',
      subjectId: id,
      before,
      after,
    });
    return after;
  });
}

/** Deleted endpoints receive nothing more; their delivery log stays until it ages out. */
export async function deleteWebhookEndpoint(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const owner = endpointWriterScope(actor);
  await inTransaction(ctx, async (tx, at) => {
    const before = publicEndpoint(await findVisibleEndpoint(tx, owner, id));
    await updateWebhookEndpointRow(tx, id, { deleted_at: at, enabled: 0, updated_at: at });
    await endpointsChanged(ctx, tx);
    await audit(tx, actor, at, {
      action: 'webhook-endpoint.deleted',
      subjectType: 'webhook-endpoint',
      subjectId: id,
      before,
    });
  });
}

/**
 * A new secret; the old one keeps signing beside it for 24 hours, unless it no longer opens (the
 * key-encryption key it was sealed with is lost: rotating is then how an endpoint recovers).
 */
export async function rotateWebhookSecret(ctx: ServiceContext, actor: Actor, id: string): Promise<EndpointWithSecret> {
  const owner = endpointWriterScope(actor);
  const secret = generateWebhookSecret();
  const sealed = await sealWebhookSecret(ctx, id, secret);
  return inTransaction(ctx, async (tx, at) => {
    const current = await findVisibleEndpoint(tx, owner, id);
    const until = new Date(Date.parse(at) + SECRET_OVERLAP_MS).toISOString();
    const previousOpens = await opens(ctx, current);
    await updateWebhookEndpointRow(tx, id, {
      secret: sealed,
      previous_secret: previousOpens ? current.secret : null,
      previous_secret_until: previousOpens ? until : null,
      updated_at: at,
    });
    await endpointsChanged(ctx, tx);
    const after = publicEndpoint(await findVisibleEndpoint(tx, owner, id));
    await audit(tx, actor, at, {
      action: 'webhook-endpoint.secret-rotated',
      subjectType: 'webhook-endpoint',
      subjectId: id,
      after: { previousSecretValidUntil: previousOpens ? until : null },
    });
    return { ...after, secret };
  });
}

async function opens(ctx: ServiceContext, endpoint: WebhookEndpoint & EndpointSecrets): Promise<boolean> {
  try {
    await signingSecrets(ctx, { ...endpoint, previousSecret: null }, ctx.now());
    return true;
  } catch (error) {
    if (error instanceof UnreadableKeyError) return false;
    throw error;
  }
}

/** Sends a `ping` event to the endpoint (also when it is disabled: to see whether it works again). */
export async function pingWebhookEndpoint(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
): Promise<{ deliveryId: string }> {
  const owner = endpointWriterScope(actor);
  return inTransaction(ctx, async (tx, at) => {
    const endpoint = await findVisibleEndpoint(tx, owner, id);
    const eventId = newId('event');
    const body = JSON.stringify({ id: eventId, type: PING, timestamp: at, data: { endpointId: endpoint.id } });
    const [deliveryId] = await enqueue(tx, {
      kind: WEBHOOK,
      topic: PING,
      target: endpoint.id,
      eventId,
      payload: { body },
      at,
    });
    return { deliveryId: deliveryId as string };
  });
}
