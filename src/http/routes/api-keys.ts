import { type Static, Type } from 'typebox';
import { roles } from '../../domain/actors.ts';
import { createApiKey } from '../../services/api-keys/create-api-key.ts';
import { getApiKey, listApiKeys } from '../../services/api-keys/read-api-keys.ts';
import { revokeApiKey } from '../../services/api-keys/revoke-api-key.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { App } from '../../interface/app.ts';
import {
  IdParams,
  PageOf,
  PageQuery,
  ResourceId,
  Strict,
  StringEnum,
  problemResponses,
} from '../../interface/schemas/common.ts';
import { ApiKeySchema } from '../schemas/entities.ts';
import { ApiKeyInput } from '../../interface/schemas/api-keys-inputs.ts';

const tags = ['API keys'];

const CreatedApiKey = Type.Intersect([
  ApiKeySchema,
  Type.Object({
    key: Type.String({
      description: 'The secret, shown once.',
      examples: ['lic_3fQ9xT2mVb8KcW4nR7pL0sZyAhGdEu'],
    }),
  }),
]);

export type CreatedApiKeyBody = Static<typeof CreatedApiKey>;

export async function apiKeyRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/api-keys',
    {
      config: { secretAnswer: true },
      schema: {
        operationId: 'createApiKey',
        tags,
        summary: 'Create an API key (admin)',
        description:
          'The secret is in the answer once; only its hash is stored. Partner and customer keys belong to an account.',
        body: ApiKeyInput,
        response: {
          201: CreatedApiKey,
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const { apiKey, secret } = await createApiKey(ctx, request.actor, request.body);
      return reply.code(201).send({ ...apiKey, key: secret });
    },
  );

  app.get(
    '/api-keys',
    {
      schema: {
        operationId: 'listApiKeys',
        tags,
        summary: 'List API keys (admin)',
        description: 'The API keys, without their secrets; only the producer admin lists them.',
        querystring: Strict({
          role: Type.Optional(StringEnum(roles)),
          accountId: Type.Optional(ResourceId),
          revoked: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: PageOf(ApiKeySchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listApiKeys(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/api-keys/:id',
    {
      schema: {
        operationId: 'getApiKey',
        tags,
        summary: 'Get an API key (admin)',
        description:
          'One API key: its name, role, account, the first characters of its secret and whether it is revoked. The secret itself is shown only once, when the key is created.',
        params: IdParams,
        response: { 200: ApiKeySchema, ...problemResponses },
      },
    },
    async (request) => getApiKey(ctx, request.actor, request.params.id),
  );

  app.post(
    '/api-keys/:id/revoke',
    {
      schema: {
        operationId: 'revokeApiKey',
        tags,
        summary: 'Revoke an API key (admin)',
        description: 'The key stops working at once; its record stays for the audit log.',
        params: IdParams,
        response: { 200: ApiKeySchema, ...problemResponses },
      },
    },
    async (request) => revokeApiKey(ctx, request.actor, request.params.id),
  );
}
