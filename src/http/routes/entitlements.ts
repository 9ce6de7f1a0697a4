import { Type } from 'typebox';
import { initialStates, entitlementStates } from '../../domain/entitlement-states.ts';
import {
  MAX_QUANTITY,
  entitlementKinds,
  partnerTiers,
  registrationFields,
  registrationPolicies,
} from '../../domain/entitlements.ts';
import type { ServiceContext } from '../../services/context.ts';
import { changeEntitlementState } from '../../services/entitlements/change-entitlement-state.ts';
import { type CreateEntitlementInput, createEntitlement } from '../../services/entitlements/create-entitlement.ts';
import { deleteEntitlement } from '../../services/entitlements/delete-entitlement.ts';
import { addLineItem } from '../../services/entitlements/line-items.ts';
import { getEntitlement, listEntitlements } from '../../services/entitlements/read-entitlements.ts';
import { regenerateEntitlementIds } from '../../services/entitlements/regenerate-entitlement-ids.ts';
import { updateEntitlement } from '../../services/entitlements/update-entitlement.ts';
import type { App } from '../app.ts';
import {
  DateOnly,
  Email,
  IdParams,
  LongText,
  Nullable,
  PageOf,
  PageQuery,
  ResourceId,
  Strict,
  StringEnum,
  problemResponses,
} from '../schemas/common.ts';
import { EntitlementSchema } from '../schemas/entities.ts';

const tags = ['Entitlements'];

const EntitlementId = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Leave out to have one generated. 1–64 of A-Z a-z 0-9 . _ -',
});
const ActivationId = Type.String({
  pattern: '^[A-Za-z0-9._-]{4,64}$',
  description: 'Leave out to have one generated (100 random bits, grouped for reading).',
});

export const ChannelPartnerInput = Strict({
  accountId: ResourceId,
  tier: StringEnum(partnerTiers),
  contactId: Type.Optional(Nullable(ResourceId)),
});

export const LineItemInput = Strict({
  activationId: Type.Optional(ActivationId),
  productId: ResourceId,
  quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
  startDate: Type.Optional(Nullable(DateOnly)),
  expirationDate: Type.Optional(Nullable(DateOnly)),
});

const ShipTo = {
  description: Type.Optional(Nullable(LongText)),
  shipToEmail: Type.Optional(Nullable(Email)),
  shipToAddress: Type.Optional(Nullable(LongText)),
  emailLicenses: Type.Optional(
    Type.Boolean({
      description:
        'Mail every new licence of this entitlement (of a bulk one: of its redeemed keys) to the ship-to address.',
    }),
  ),
};

export const SimpleEntitlementInput = Strict({
  kind: Type.Literal('simple'),
  id: Type.Optional(EntitlementId),
  state: Type.Optional(StringEnum(initialStates)),
  soldTo: ResourceId,
  ...ShipTo,
  channelPartners: Type.Optional(Type.Array(ChannelPartnerInput, { maxItems: 3 })),
  lineItems: Type.Array(LineItemInput, { maxItems: 1000 }),
});

export const RegistrationInput = Strict({
  policy: StringEnum(registrationPolicies, { description: '`none` stores no personal data at all.' }),
  fields: Type.Array(StringEnum(registrationFields), {
    maxItems: registrationFields.length,
    description: 'What a redemption asks for.',
  }),
});

const BulkFields = {
  quantityPerKey: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Quantity of the line item each redeemed key makes (default 1).',
    }),
  ),
  entitlementIdPattern: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: "ID of each redeemed key's entitlement; placeholders {key}, {bulk}, {seq}. Default {key}ENT.",
    }),
  ),
  registration: Type.Optional(RegistrationInput),
  keyPrefix: Type.Optional(
    Nullable(Type.String({ pattern: '^[A-Z0-9]{1,16}$', description: 'Prefix of generated keys.' })),
  ),
};

export const BulkEntitlementInput = Strict({
  kind: Type.Literal('bulk'),
  id: Type.Optional(EntitlementId),
  state: Type.Optional(StringEnum(initialStates)),
  productId: ResourceId,
  ...BulkFields,
  ...ShipTo,
  channelPartners: Type.Array(ChannelPartnerInput, { minItems: 1, maxItems: 3 }),
});

export const EntitlementListQuery = Strict({
  state: Type.Optional(StringEnum(entitlementStates)),
  kind: Type.Optional(StringEnum(entitlementKinds)),
  account: Type.Optional(ResourceId),
  productId: Type.Optional(ResourceId),
  ...PageQuery,
});

export const EntitlementUpdateInput = Strict({
  soldTo: Type.Optional(ResourceId),
  ...ShipTo,
  channelPartners: Type.Optional(Type.Array(ChannelPartnerInput, { maxItems: 3 })),
  productId: Type.Optional(ResourceId),
  ...BulkFields,
});

export const EntitlementStateInput = Strict({ state: StringEnum(entitlementStates) });

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
