import { type Static, Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { createUser } from '../../services/users/create-user.ts';
import { getUser, listUsers } from '../../services/users/read-users.ts';
import { createSignInLink } from '../../services/users/sign-in-links.ts';
import { updateUser } from '../../services/users/update-user.ts';
import type { App } from '../../interface/app.ts';
import { publicBaseUrl, signInLinkUrl } from '../../interface/public-url.ts';
import { IdParams, PageOf, PageQuery, Strict, Timestamp, problemResponses } from '../../interface/schemas/common.ts';
import { UserSchema } from '../schemas/entities.ts';
import { UserInput, UserChanges, UserFilters } from '../../interface/schemas/users-inputs.ts';

const tags = ['Users'];

const SignInLink = Type.Object({
  userId: Type.String(),
  url: Type.String({
    description: 'Shown once; only its hash is stored.',
    examples: ['https://licentia.example.com/sign-in/link#t=8mQ2xV7cR4pK9wL3nB6z'],
  }),
  expiresAt: Timestamp,
});

export type SignInLinkBody = Static<typeof SignInLink>;

export async function userRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/users',
    {
      schema: {
        operationId: 'createUser',
        tags,
        summary: 'Create a portal user',
        description:
          'Admins create anyone; operators partner and customer users; a partner its own colleagues and users of its named ' +
          'customers. Anonymous end customer accounts have no users. Passwords are stored as scrypt hashes. A user made ' +
          'without a password is mailed a one-use sign-in link.',
        body: UserInput,
        response: { 201: UserSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await createUser(ctx, request.actor, request.body, {
          linkFor: (secret) => signInLinkUrl(publicBaseUrl(ctx.config, request), secret),
        }),
      ),
  );

  app.get(
    '/users',
    {
      schema: {
        operationId: 'listUsers',
        tags,
        summary: 'List portal users',
        description: 'A partner sees its own users and those of its customers.',
        querystring: Strict({ ...UserFilters, ...PageQuery }),
        response: { 200: PageOf(UserSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listUsers(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        operationId: 'getUser',
        tags,
        summary: 'Get a portal user',
        description: 'One portal user the caller may manage: name, email, role, account and whether a password is set.',
        params: IdParams,
        response: { 200: UserSchema, ...problemResponses },
      },
    },
    async (request) => getUser(ctx, request.actor, request.params.id),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        operationId: 'updateUser',
        tags,
        summary: 'Rename, disable or enable a portal user',
        description: "Disabling ends the user's sessions at once.",
        params: IdParams,
        body: UserChanges,
        response: { 200: UserSchema, ...problemResponses },
      },
    },
    async (request) => updateUser(ctx, request.actor, request.params.id, request.body),
  );

  app.post(
    '/users/:id/sign-in-links',
    {
      schema: {
        operationId: 'createSignInLink',
        tags,
        summary: 'Make a one-use sign-in link',
        description:
          'A link to send to the user (valid 72 hours, one use). Opening it signs the user in; a user without a password ' +
          "sets one then. Set `LICENTIA_PUBLIC_URL` when the server is reached at another address than this request's.",
        params: IdParams,
        response: {
          201: SignInLink,
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const link = await createSignInLink(ctx, request.actor, request.params.id);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        userId: link.user.id,
        url: signInLinkUrl(publicBaseUrl(ctx.config, request), link.secret),
        expiresAt: link.expiresAt,
      });
    },
  );
}
