import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { changeEntitlementState } from '../../services/entitlements/change-entitlement-state.ts';
import { type CreateEntitlementInput, createEntitlement } from '../../services/entitlements/create-entitlement.ts';
import { deleteEntitlement } from '../../services/entitlements/delete-entitlement.ts';
import { addLineItem } from '../../services/entitlements/line-items.ts';
import { getEntitlement, listEntitlements } from '../../services/entitlements/read-entitlements.ts';
import { regenerateEntitlementIds } from '../../services/entitlements/regenerate-entitlement-ids.ts';
import { updateEntitlement } from '../../services/entitlements/update-entitlement.ts';
import type { App } from '../../interface/app.ts';
import { IdParams, PageOf, problemResponses } from '../../interface/schemas/common.ts';
import { EntitlementSchema } from '../schemas/entities.ts';
import {
  LineItemInput,
  SimpleEntitlementInput,
  BulkEntitlementInput,
  EntitlementListQuery,
  EntitlementUpdateInput,
  EntitlementStateInput,
} from '../../interface/schemas/entitlements-inputs.ts';

const tags = ['Entitlements'];

/** `kind` picks the shape, so a validation error speaks of the right one. */
const EntitlementInput = Type.Unsafe<CreateEntitlementInput>({
  // Ajv's discriminator lets anything that is not an object through unless told otherwise.
  type: 'object',
  required: ['kind'],
  oneOf: [SimpleEntitlementInput, BulkEntitlementInput],
  discriminator: { propertyName: 'kind' },
});

export async function entitlementRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/entitlements',
    {
      schema: {
        operationId: 'createEntitlement',
        tags,
        summary: 'Create a simple or bulk entitlement',
        description:
          'Created in `draft` (default) or `test`. IDs left out are generated. A bulk entitlement is stock for one product ' +
          'sold to a tier-1 partner (also its end customer); its web register keys are loaded afterwards.',
        body: EntitlementInput,
        response: { 201: EntitlementSchema, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createEntitlement(ctx, request.actor, request.body)),
  );

  app.get(
    '/entitlements',
    {
      schema: {
        operationId: 'listEntitlements',
        tags,
        summary: 'List entitlements',
        description: 'Partners and customers see only their own (DESIGN.md §2 rule 4).',
        querystring: EntitlementListQuery,
        response: { 200: PageOf(EntitlementSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listEntitlements(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/entitlements/:id',
    {
      schema: {
        operationId: 'getEntitlement',
        tags,
        summary: 'Get an entitlement',
        description:
          'One entitlement the caller may see, with its channel partners, its line items (activation IDs and counts) and, for a bulk entitlement, its key counts.',
        params: IdParams,
        response: { 200: EntitlementSchema, ...problemResponses },
      },
    },
    async (request) => getEntitlement(ctx, request.actor, request.params.id),
  );

  app.patch(
    '/entitlements/:id',
    {
      schema: {
        operationId: 'updateEntitlement',
        tags,
        summary: 'Change a draft or test entitlement',
        params: IdParams,
        description:
          'Bulk entitlements also take their product, quantityPerKey, entitlementIdPattern, registration and keyPrefix.',
        body: EntitlementUpdateInput,
        response: { 200: EntitlementSchema, ...problemResponses },
      },
    },
    async (request) => updateEntitlement(ctx, request.actor, request.params.id, request.body),
  );

  app.delete(
    '/entitlements/:id',
    {
      schema: {
        operationId: 'deleteEntitlement',
        tags,
        summary: 'Delete a draft or test entitlement',
        description:
          'Deletes a draft or test entitlement with its line items (producer). One that is deployed, records a redeemed web register key or had stock split from it is `409 INVALID_STATE`: make it obsolete instead.',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      await deleteEntitlement(ctx, request.actor, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/entitlements/:id/state',
    {
      schema: {
        operationId: 'changeEntitlementState',
        tags,
        summary: 'Move an entitlement to another state',
        description:
          'Allowed: draft→test, draft→deployed, test→deployed, deployed⇄inactive, any but obsolete→obsolete. ' +
          'Anything else is `409 INVALID_STATE`. Line items follow.',
        params: IdParams,
        body: EntitlementStateInput,
        response: { 200: EntitlementSchema, ...problemResponses },
      },
    },
    async (request) => changeEntitlementState(ctx, request.actor, request.params.id, request.body.state),
  );

  app.post(
    '/entitlements/:id/regenerate-ids',
    {
      schema: {
        operationId: 'regenerateEntitlementIds',
        tags,
        summary: 'Regenerate IDs (draft or test)',
        description: 'A generated entitlement ID and generated activation IDs are replaced; specified ones stay.',
        params: IdParams,
        response: { 200: EntitlementSchema, ...problemResponses },
      },
    },
    async (request) => regenerateEntitlementIds(ctx, request.actor, request.params.id),
  );

  app.post(
    '/entitlements/:id/line-items',
    {
      schema: {
        operationId: 'addLineItem',
        tags,
        summary: 'Add a line item (draft or test)',
        description: 'Answers the entitlement with its new line item.',
        params: IdParams,
        body: LineItemInput,
        response: { 201: EntitlementSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addLineItem(ctx, request.actor, request.params.id, request.body)),
  );
}
