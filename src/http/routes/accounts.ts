import { createAccount } from '../../services/accounts/create-account.ts';
import { createContact } from '../../services/accounts/create-contact.ts';
import { getAccount, listAccounts, listContacts } from '../../services/accounts/read-accounts.ts';
import { updateAccount } from '../../services/accounts/update-account.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { App } from '../../interface/app.ts';
import { IdParams, PageOf, PageQuery, Strict, problemResponses } from '../../interface/schemas/common.ts';
import { AccountSchema, ContactSchema } from '../schemas/entities.ts';
import { AccountInput, AccountChanges, ContactInput, AccountFilters } from '../../interface/schemas/accounts-inputs.ts';

const tags = ['Accounts'];

export async function accountRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/accounts',
    {
      schema: {
        operationId: 'createAccount',
        tags,
        summary: 'Create an account',
        description:
          'The producer creates any account. A partner creates customer accounts below itself; ' +
          '`anonymous: true` makes an end customer account that carries nothing but its name.',
        body: AccountInput,
        response: { 201: AccountSchema, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createAccount(ctx, request.actor, request.body)),
  );

  app.get(
    '/accounts',
    {
      schema: {
        operationId: 'listAccounts',
        tags,
        summary: 'List accounts',
        description:
          'The accounts the caller may see: all of them for the producer, a partner its own and those below it, a customer its own.',
        querystring: Strict({ ...AccountFilters, ...PageQuery }),
        response: { 200: PageOf(AccountSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listAccounts(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/accounts/:id',
    {
      schema: {
        operationId: 'getAccount',
        tags,
        summary: 'Get an account',
        description: 'One account the caller may see, with its place in the hierarchy.',
        params: IdParams,
        response: { 200: AccountSchema, ...problemResponses },
      },
    },
    async (request) => getAccount(ctx, request.actor, request.params.id),
  );

  app.patch(
    '/accounts/:id',
    {
      schema: {
        operationId: 'updateAccount',
        tags,
        summary: 'Rename an account or move it in the hierarchy',
        description:
          'Renames an account, or moves it below another partner or to the top (the producer only moves accounts). A move that would make a cycle is `422 UNPROCESSABLE`.',
        params: IdParams,
        body: AccountChanges,
        response: { 200: AccountSchema, ...problemResponses },
      },
    },
    async (request) => updateAccount(ctx, request.actor, request.params.id, request.body),
  );

  app.post(
    '/accounts/:id/contacts',
    {
      schema: {
        operationId: 'createContact',
        tags,
        summary: 'Add a contact to an account',
        description: 'Anonymous end customer accounts have no contacts.',
        params: IdParams,
        body: ContactInput,
        response: { 201: ContactSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createContact(ctx, request.actor, request.params.id, request.body)),
  );

  app.get(
    '/accounts/:id/contacts',
    {
      schema: {
        operationId: 'listContacts',
        tags,
        summary: "List an account's contacts",
        description: 'The contacts of an account the caller may see, a page at a time.',
        params: IdParams,
        querystring: Strict({ ...PageQuery }),
        response: { 200: PageOf(ContactSchema), ...problemResponses },
      },
    },
    async (request) => listContacts(ctx, request.actor, request.params.id, request.query),
  );
}
