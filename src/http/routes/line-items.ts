import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { deleteLineItem, getLineItem, updateLineItem } from '../../services/entitlements/line-items.ts';
import type { App } from '../../interface/app.ts';
import { PageQuery, Strict, problemResponses } from '../../interface/schemas/common.ts';
import { getLineItemHistory } from '../../services/entitlements/line-item-history.ts';
import { LineItemHistorySchema, LineItemSchema } from '../schemas/entities.ts';
import { LineItemUpdateInput } from '../../interface/schemas/line-items-inputs.ts';

const tags = ['Line items'];

const ActivationIdParams = Strict({ activationId: Type.String({ minLength: 1, maxLength: 100 }) });

export async function lineItemRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/line-items/:activationId',
    {
      schema: {
        operationId: 'getLineItem',
        tags,
        summary: 'Get a line item by its activation ID',
        description:
          'One line item by its activation ID (any case, hyphens optional): product, quantity, activated count, dates and state.',
        params: ActivationIdParams,
        response: { 200: LineItemSchema, ...problemResponses },
      },
    },
    async (request) => getLineItem(ctx, request.actor, request.params.activationId),
  );

  app.get(
    '/line-items/:activationId/history',
    {
      schema: {
        operationId: 'getLineItemHistory',
        tags,
        summary: "A line item's versions: its terms before each lifecycle operation",
        description:
          'Renew, upsell, upgrade, split and transfer change a deployed line item where it stands; each keeps the terms before ' +
          '(product, quantity, dates, licence lifetime, state) as a numbered version with the operation, when, who and its audit ' +
          'event. Answers the versions newest first, each with what changed to the next, and the current terms; a page at a ' +
          'time. Read like the line item itself: whoever may read it, anyone else gets `404`.',
        params: ActivationIdParams,
        querystring: Strict(PageQuery),
        response: { 200: LineItemHistorySchema, ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return getLineItemHistory(ctx, request.actor, request.params.activationId, { limit, cursor });
    },
  );

  app.patch(
    '/line-items/:activationId',
    {
      schema: {
        operationId: 'updateLineItem',
        tags,
        summary: 'Change a line item of a draft or test entitlement',
        description:
          'Changes the product, quantity or dates of a line item of a draft or test entitlement; what is left out stays, `null` clears a date. A quantity below the activations in use is `422 UNPROCESSABLE`.',
        params: ActivationIdParams,
        body: LineItemUpdateInput,
        response: { 200: LineItemSchema, ...problemResponses },
      },
    },
    async (request) => updateLineItem(ctx, request.actor, request.params.activationId, request.body),
  );

  app.delete(
    '/line-items/:activationId',
    {
      schema: {
        operationId: 'deleteLineItem',
        tags,
        summary: 'Delete a line item of a draft or test entitlement',
        description:
          'Deletes a line item of a draft or test entitlement (producer); one with activations in use is `409 INVALID_STATE`.',
        params: ActivationIdParams,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      await deleteLineItem(ctx, request.actor, request.params.activationId);
      return reply.code(204).send(null);
    },
  );
}
