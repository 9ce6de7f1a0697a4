import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { type Activation, activationStates } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import { Code as CodeSchema, Fingerprint } from '../../interface/schemas/activations-inputs.ts';
import { ResourceId } from '../../interface/schemas/common.ts';
import { returnActivation, revokeActivation } from '../../services/activations/end-activation.ts';
import { getActivation, getActivationLicense, listActivations } from '../../services/activations/read-activations.ts';
import type { ServiceContext } from '../../services/context.ts';
import { seesOtherAccounts } from '../../services/portal-view.ts';
import { EmailLicenseBody } from '../../interface/schemas/messages-inputs.ts';
import { emailActivationLicense } from '../../services/mail/license-mail.ts';
import type { ActivationNames } from '../components/activation-table.tsx';
import { accountNames, productNames } from '../lookups.ts';
import { accountChoices } from '../choices.ts';
import { licenseFileHere } from '../../interface/public-url.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, submit } from '../web.ts';
import { licenceFilename, ActivationsPage, ActivationPage } from './activation-views.tsx';

const ActivationListQuery = Type.Object({
  q: Type.Optional(CodeSchema),
  fingerprint: Type.Optional(Fingerprint),
  account: Type.Optional(ResourceId),
  entitlement: Type.Optional(ResourceId),
  state: Type.Optional(Type.Enum(activationStates)),
  test: Type.Optional(Type.Boolean()),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

const PAGE_SIZE = 50;

/** Names of the products and accounts a list of activations shows. */
export async function namesForActivations(
  ctx: ServiceContext,
  actor: Actor,
  activations: Activation[],
  withAccounts: boolean,
): Promise<ActivationNames> {
  const [products, accounts] = await Promise.all([
    productNames(
      ctx,
      actor,
      activations.map((a) => a.productId),
    ),
    withAccounts
      ? accountNames(
          ctx,
          actor,
          activations.map((a) => a.accountId),
        )
      : Promise.resolve(new Map<string, string>()),
  ]);
  return { products, accounts };
}

export async function activationPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/activations', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(ActivationListQuery, request);
    const activations = await findActivations(ctx, actor, query);
    const showAccount = seesOtherAccounts(actor);
    const [names, accounts, accountPicker] = await Promise.all([
      namesForActivations(ctx, actor, activations.items, showAccount),
      query.account ? accountNames(ctx, actor, [query.account]) : Promise.resolve(new Map<string, string>()),
      showAccount ? accountChoices(ctx, actor) : undefined,
    ]);
    const shown = { ...query, test: query.test === undefined ? undefined : String(query.test) };
    return render.page(
      request,
      reply,
      <ActivationsPage
        activations={activations}
        names={names}
        query={shown}
        showAccount={showAccount}
        accountName={query.account ? accounts.get(query.account) : undefined}
        accountPicker={accountPicker}
      />,
    );
  });

  app.get('/activations/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const activation = await getActivation(ctx, actor, idOf(request));
    const [names, accounts] = await Promise.all([
      namesForActivations(ctx, actor, [activation], false),
      accountNames(ctx, actor, [activation.accountId]),
    ]);
    return render.page(
      request,
      reply,
      <ActivationPage
        activation={activation}
        names={names}
        actor={actor}
        accountName={accounts.get(activation.accountId)}
      />,
    );
  });

  app.post('/activations/:id/email', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: EmailLicenseBody,
      run: (input) => emailActivationLicense(ctx, actor, id, input),
      done: (message) =>
        render.redirect(reply, `/portal/activations/${id}`, `The licence file is on its way to ${message.to}.`),
      again: async (state) => {
        const activation = await getActivation(ctx, actor, id);
        const [names, accounts] = await Promise.all([
          namesForActivations(ctx, actor, [activation], false),
          accountNames(ctx, actor, [activation.accountId]),
        ]);
        return (
          <ActivationPage
            activation={activation}
            names={names}
            actor={actor}
            accountName={accounts.get(activation.accountId)}
            mailState={state}
          />
        );
      },
    });
  });

  app.get('/activations/:id/license', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    const activation = await getActivation(ctx, actor, id);
    const license = await getActivationLicense(ctx, actor, id);
    return sendLicence(reply, licenceFilename(activation), licenseFileHere(ctx.config, request, license));
  });

  app.post('/activations/:id/return', async (request, reply) => {
    const { actor } = signedIn(request);
    const activation = await returnActivation(ctx, actor, idOf(request));
    return render.redirect(
      reply,
      `/portal/activations/${activation.id}`,
      `Returned. The count of ${activation.activationId} is free for another device.`,
    );
  });

  app.post('/activations/:id/revoke', async (request, reply) => {
    const { actor } = signedIn(request);
    const activation = await revokeActivation(ctx, actor, idOf(request));
    return render.redirect(
      reply,
      `/portal/activations/${activation.id}`,
      `Revoked. The licence validates as REVOKED from now on; the count of ${activation.activationId} is back.`,
    );
  });
}

async function findActivations(
  ctx: ServiceContext,
  actor: Actor,
  query: Static<typeof ActivationListQuery>,
): Promise<Page<Activation>> {
  const { q, cursor, ...filter } = query;
  // An activation's own ID names one activation; anything else is a line item's code.
  if (q && /^act_/i.test(q)) {
    try {
      return { items: [await getActivation(ctx, actor, q)], nextCursor: null };
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return { items: [], nextCursor: null };
      throw error;
    }
  }
  return listActivations(ctx, actor, { ...filter, activationId: q, newestFirst: true }, { cursor, limit: PAGE_SIZE });
}

function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

/** A licence file as a download: never cached, never sniffed into something else. */
export function sendLicence(reply: FastifyReply, filename: string, file: string): FastifyReply {
  return reply
    .type('text/plain; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(file);
}
