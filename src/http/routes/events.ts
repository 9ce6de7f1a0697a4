import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
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
}
