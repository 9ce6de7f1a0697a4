import { type Static, Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { listAuditCheckpoints } from '../../services/events/audit-chain.ts';
import { listEvents } from '../../services/events/list-events.ts';
import type { App } from '../../interface/app.ts';
import {
  PageOf,
  PageQuery,
  ResourceId,
  ShortText,
  Strict,
  Timestamp,
  problemResponses,
} from '../../interface/schemas/common.ts';
import { EventSchema } from '../schemas/entities.ts';

const Checkpoint = Type.Object({
  count: Type.Integer({
    minimum: 1,
    description: 'How many events the checkpoint covers, all chains together.',
  }),
  heads: Type.Array(
    Type.Object({
      chain: Type.Integer({ minimum: 0 }),
      count: Type.Integer({ minimum: 1, description: 'How many events the chain held.' }),
      hash: Type.String({ description: "The hash of the chain's last event covered." }),
    }),
  ),
  at: Type.String({ format: 'date-time' }),
  kid: Type.String(),
  signature: Type.String(),
});

export type CheckpointBody = Static<typeof Checkpoint>;

export async function eventRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        tags: ['Audit log'],
        summary: 'The audit log, newest first',
        description: 'Every change, written in the same transaction as the change itself.',
        querystring: Strict({
          subjectType: Type.Optional(ShortText),
          subjectId: Type.Optional(ResourceId),
          entitlement: Type.Optional(
            Type.String({ maxLength: 100, description: 'An entitlement ID: its events and those of its line items.' }),
          ),
          lineItem: Type.Optional(
            Type.String({ maxLength: 100, description: "A line item's activation ID: its events." }),
          ),
          action: Type.Optional(ShortText),
          actor: Type.Optional(ShortText),
          from: Type.Optional(Timestamp),
          to: Type.Optional(Timestamp),
          ...PageQuery,
        }),
        response: { 200: PageOf(EventSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listEvents(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/events/checkpoints',
    {
      schema: {
        operationId: 'listAuditCheckpoints',
        tags: ['Audit log'],
        summary: 'Signed checkpoints of the hash-chained audit log, newest first',
        description:
          'The log is split into chains by subject (all events of one subject lie in one chain, in order); each event ' +
          'carries the SHA-256 of the one before it in its chain. Periodically the server signs the heads of all chains ' +
          'at once (for each chain that has events: its `count` of events, ending in `hash`) with its licence signing key ' +
          '(`kid`, in the JWKS). `signature` is a compact JWS (EdDSA) of `{count, heads, at}`; checkpoints signed before ' +
          'the log was split sign `{chain: "main", count, hash, at}`, the one chain there was, now chain 0. Keep copies ' +
          'elsewhere: `licentia audit verify` checks the log against them.',
        querystring: Strict({ ...PageQuery }),
        response: {
          200: PageOf(Checkpoint),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return listAuditCheckpoints(ctx, request.actor, { limit, cursor });
    },
  );
}
