import { type Static, Type } from 'typebox';
import { webhookRetrySchedule } from '../../domain/backoff.ts';
import { PING, eventTypeNames, webhookEventTypes } from '../../domain/webhooks.ts';
import { outboxStatuses } from '../../store/outbox.ts';
import type { ServiceContext } from '../../services/context.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  pingWebhookEndpoint,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../../services/webhooks/manage-webhook-endpoints.ts';
import { getWebhookEndpoint, listWebhookEndpoints } from '../../services/webhooks/read-webhook-endpoints.ts';
import {
  getWebhookDelivery,
  listWebhookDeliveries,
  retryWebhookDelivery,
} from '../../services/webhooks/webhook-deliveries.ts';
import type { App } from '../../interface/app.ts';
import { WebhookEndpointInput, WebhookEndpointUpdate } from '../../interface/schemas/webhooks-inputs.ts';
import {
  IdParams,
  Nullable,
  PageOf,
  PageQuery,
  Strict,
  StringEnum,
  Timestamp,
  problemResponses,
} from '../../interface/schemas/common.ts';

const tags = ['Webhooks'];

const eventList = eventTypeNames.map((type) => `\`${type}\` — ${webhookEventTypes[type].description}`).join('\n- ');

export const WebhookEndpointSchema = Type.Object({
  id: Type.String({ examples: ['whe_0193a7c2e4d87b3a9f1c2d3e4f5a6b7c'] }),
  accountId: Nullable(Type.String({ description: "The partner whose scope it receives; null: the producer's." })),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Nullable(Type.String({ description: 'Why it is disabled, e.g. after a 410 Gone.' })),
  disabledAt: Nullable(Timestamp),
  failingSince: Nullable(Timestamp),
  lastSuccessAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const WithSecret = Type.Intersect([
  WebhookEndpointSchema,
  Type.Object({
    secret: Type.String({
      description: 'The signing secret (`whsec_…`), shown in this answer only.',
      examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    }),
  }),
]);

export const WebhookDeliverySchema = Type.Object({
  id: Type.String({ description: 'Also the `webhook-id` header of every attempt.', examples: ['msg_0193a7c2e4d8'] }),
  endpointId: Type.String(),
  eventId: Nullable(Type.String()),
  eventType: Type.String(),
  status: StringEnum(outboxStatuses),
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastAttemptAt: Nullable(Timestamp),
  nextAttemptAt: Nullable(Timestamp),
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
});

const DeliveryDetail = Type.Intersect([
  WebhookDeliverySchema,
  Type.Object({
    body: Type.String({ description: 'The body as sent.' }),
    log: Type.Array(
      Type.Object({
        id: Type.String(),
        at: Timestamp,
        durationMs: Type.Integer(),
        statusCode: Nullable(Type.Integer()),
        error: Nullable(Type.String()),
        response: Nullable(Type.String({ description: 'The first 1 KB of the answer.' })),
      }),
    ),
  }),
]);

export type WebhookEndpointBody = Static<typeof WebhookEndpointSchema>;
export type WebhookEndpointWithSecretBody = Static<typeof WithSecret>;
export type WebhookDeliveryBody = Static<typeof WebhookDeliverySchema>;
export type WebhookDeliveryDetailBody = Static<typeof DeliveryDetail>;

const scheduleText = webhookRetrySchedule
  .map((ms) => (ms < 60_000 ? `${ms / 1000} s` : ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`))
  .join(', ');

export async function webhookRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        tags,
        summary: 'Subscribe an endpoint to events (admin, partner)',
        description:
          'The producer receives every event; a partner only events about what it may read, with `data` exactly as ' +
          'its own GET shows it. Bodies are `{id, type, timestamp, data}`, signed by the Standard Webhooks scheme ' +
          `(headers \`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`). Retries after: ${scheduleText}. ` +
          `A \`410 Gone\`, or 5 days without a success, disables the endpoint. Events:\n- ${eventList}`,
        body: WebhookEndpointInput,
        response: { 201: WithSecret, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createWebhookEndpoint(ctx, request.actor, request.body)),
  );

  app.get(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        tags,
        summary: 'List webhook endpoints (a partner sees its own)',
        description:
          'The webhook endpoints the caller manages: all of them for the producer admin, its own for a partner. Secrets are never listed.',
        querystring: Strict({ ...PageQuery }),
        response: { 200: PageOf(WebhookEndpointSchema), ...problemResponses },
      },
    },
    async (request) => listWebhookEndpoints(ctx, request.actor, request.query),
  );

  app.get(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        tags,
        summary: 'A webhook endpoint and its health',
        description:
          'One webhook endpoint: its URL, the events it receives, whether it is enabled (and why not), and how its recent deliveries went.',
        params: IdParams,
        response: { 200: WebhookEndpointSchema, ...problemResponses },
      },
    },
    async (request) => getWebhookEndpoint(ctx, request.actor, request.params.id),
  );

  app.patch(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        tags,
        summary: 'Change, enable or disable a webhook endpoint',
        description:
          'Changes the URL, events or description of an endpoint, or enables or disables it; what is left out stays as it is.',
        params: IdParams,
        body: WebhookEndpointUpdate,
        response: { 200: WebhookEndpointSchema, ...problemResponses },
      },
    },
    async (request) => updateWebhookEndpoint(ctx, request.actor, request.params.id, request.body),
  );

  app.delete(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Deletes an endpoint: nothing more is sent to it.',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      await deleteWebhookEndpoint(ctx, request.actor, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'Issue a new signing secret',
        description: 'The new secret is shown once; the old one keeps signing beside it for 24 hours.',
        params: IdParams,
        body: Strict({}),
        response: { 200: WithSecret, ...problemResponses },
      },
    },
    async (request) => rotateWebhookSecret(ctx, request.actor, request.params.id),
  );

  app.post(
    '/webhook-endpoints/:id/test',
    {
      schema: {
        operationId: 'testWebhookEndpoint',
        tags,
        summary: `Send a \`${PING}\` event`,
        description:
          'Queues a ping event to the endpoint, signed like any other, and answers the ID of the delivery to follow in its delivery log.',
        params: IdParams,
        body: Strict({}),
        response: { 202: Type.Object({ deliveryId: Type.String() }), ...problemResponses },
      },
    },
    async (request, reply) => reply.code(202).send(await pingWebhookEndpoint(ctx, request.actor, request.params.id)),
  );

  app.get(
    '/webhook-endpoints/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: "An endpoint's delivery log, newest first (kept 30 days)",
        description: 'The deliveries to one endpoint, newest first, filtered by status or event type; kept 30 days.',
        params: IdParams,
        querystring: Strict({
          status: Type.Optional(StringEnum(outboxStatuses)),
          eventType: Type.Optional(Type.String({ maxLength: 100 })),
          ...PageQuery,
        }),
        response: { 200: PageOf(WebhookDeliverySchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listWebhookDeliveries(ctx, request.actor, request.params.id, filter, { limit, cursor });
    },
  );

  app.get(
    '/webhook-deliveries/:id',
    {
      schema: {
        operationId: 'getWebhookDelivery',
        tags,
        summary: 'One delivery with the log of its attempts',
        description: 'One delivery: the body as sent and the log of its attempts.',
        params: IdParams,
        response: { 200: DeliveryDetail, ...problemResponses },
      },
    },
    async (request) => getWebhookDelivery(ctx, request.actor, request.params.id),
  );

  app.post(
    '/webhook-deliveries/:id/retry',
    {
      schema: {
        operationId: 'retryWebhookDelivery',
        tags,
        summary: 'Send a delivery again now',
        description: 'Makes a delivery due now. The endpoint must be enabled, except for a ping (`409 INVALID_STATE`).',
        params: IdParams,
        body: Strict({}),
        response: { 202: WebhookDeliverySchema, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(202).send(await retryWebhookDelivery(ctx, request.actor, request.params.id)),
  );
}
