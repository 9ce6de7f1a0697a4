import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { statusOfError } from '../../interface/problem.ts';
import { mayReadEvents } from '../../services/events/list-events.ts';
import { listActivations } from '../../services/activations/read-activations.ts';
import { getLicenseModel } from '../../services/catalog/read-catalog.ts';
import { type ServiceContext, preview } from '../../services/context.ts';
import { getLineItemHistory } from '../../services/entitlements/line-item-history.ts';
import { getLineItemLineage } from '../../services/entitlements/line-item-lineage.ts';
import { getLineItem } from '../../services/entitlements/line-items.ts';
import { actorNames, eventsWithActors } from '../lookups.ts';
import { type Names, namesOf } from '../choices.ts';
import { type FormBody, type FormState, emptyForm, parseForm, refusedForm } from '../forms.ts';
import { type Web, isAboutTheForm, parseQuery, submit } from '../web.ts';
import { operations } from './line-item-operations.tsx';
import {
  lineItemPath,
  subjectOf,
  LineItemPage,
  type PreviewState,
  PreviewPanel,
  OperationPage,
  offerFor,
} from './line-item-views.tsx';

const ACTIVATIONS_PAGE = 25;

const HISTORY_SIZE = 20;

const VERSIONS_PAGE = 20;

/** The line item a transfer made, if the person may see it (a partner's customer may own it alone). */
async function visibleActivationId(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
): Promise<string | undefined> {
  try {
    return (await getLineItem(ctx, actor, activationId)).activationId;
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

export async function lineItemPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;
  const PageQuery = Type.Object({
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
    versions: Type.Optional(Type.String({ maxLength: 400 })),
  });

  app.get('/line-items/:activationId', async (request, reply) => {
    const subject = await subjectOf(ctx, request);
    const { actor, lineItem } = subject;
    const { cursor, versions: versionsCursor } = parseQuery(PageQuery, request);
    const product = subject.names.products.get(lineItem.productId);
    const [lineage, versions, activations, history, model] = await Promise.all([
      getLineItemLineage(ctx, actor, lineItem.activationId),
      getLineItemHistory(ctx, actor, lineItem.activationId, { cursor: versionsCursor, limit: VERSIONS_PAGE }),
      listActivations(ctx, actor, { activationId: lineItem.activationId }, { cursor, limit: ACTIVATIONS_PAGE }),
      // The audit log is the producer's.
      mayReadEvents(actor)
        ? eventsWithActors(ctx, actor, { lineItem: lineItem.activationId }, { limit: HISTORY_SIZE })
        : undefined,
      product ? getLicenseModel(ctx, actor, product.licenseModelId) : undefined,
    ]);
    const lineageNames = await namesOf(ctx, actor, {
      accounts: [],
      products: [
        ...[lineage.parent, ...lineage.children].map((li) => li?.productId),
        ...versions.items.map((v) => v.productId),
      ],
    });
    const names: Names = {
      accounts: subject.names.accounts,
      products: new Map([...subject.names.products, ...lineageNames.products]),
    };
    return render.page(
      request,
      reply,
      <LineItemPage
        subject={{ ...subject, names }}
        overdraft={model?.overdraft ?? 0}
        lineage={lineage}
        activations={activations}
        cursor={cursor}
        history={history}
        versions={versions}
        versionsCursor={versionsCursor}
        versionActors={
          await actorNames(
            ctx,
            actor,
            versions.items.map((v) => v.actor),
          )
        }
      />,
    );
  });

  for (const op of operations) {
    const page = async (
      request: FastifyRequest,
      reply: FastifyReply,
      state: FormState,
      shown: PreviewState,
      status = 200,
    ) => {
      const subject = await subjectOf(ctx, request);
      const offer = await offerFor(ctx, op, subject);
      return render.page(
        request,
        reply,
        <OperationPage op={op} subject={subject} offer={offer} state={state} preview={shown} />,
        { status },
      );
    };

    app.get(`/line-items/:activationId/${op.name}`, async (request, reply) =>
      page(request, reply, emptyForm, { kind: 'none' }),
    );

    app.post(`/line-items/:activationId/${op.name}`, async (request, reply) => {
      const subject = await subjectOf(ctx, request);
      const { actor, lineItem } = subject;
      let given: unknown;
      return submit(web, request, reply, {
        schema: op.schema,
        run: (input) => {
          given = input;
          return op.run(ctx, actor, lineItem.activationId, input);
        },
        done: async (outcome) => {
          const names = await namesOf(ctx, actor, op.mentions(given, outcome));
          // After a transfer the new line item is the one to look at, if this person may see it.
          const next =
            op.name === 'transfer' && outcome.newLineItem
              ? await visibleActivationId(ctx, actor, outcome.newLineItem.activationId)
              : undefined;
          return render.redirect(reply, lineItemPath(next ?? lineItem.activationId), op.done(outcome, given, names));
        },
        again: async (state) => (
          <OperationPage
            op={op}
            subject={subject}
            offer={await offerFor(ctx, op, subject)}
            state={state}
            preview={{ kind: 'none' }}
          />
        ),
      });
    });

    // The same service inside a rolled-back transaction: every rule applies, nothing is kept.
    app.post(`/line-items/:activationId/${op.name}/preview`, async (request, reply) => {
      const subject = await subjectOf(ctx, request);
      const { actor, lineItem } = subject;
      const values = (request.body ?? {}) as FormBody;
      const htmx = request.headers['hx-request'] === 'true';
      let shown: PreviewState;
      let status = 200;
      try {
        const input = parseForm(op.schema, values);
        const outcome = await preview(ctx, (c) => op.run(c, actor, lineItem.activationId, input));
        const mentioned = op.mentions(input, outcome);
        const names = await namesOf(ctx, actor, mentioned);
        shown = { kind: 'changes', rows: op.changes(subject, outcome, input, names) };
      } catch (error) {
        if (!(error instanceof AppError) || !isAboutTheForm(error)) throw error;
        shown = { kind: 'refused', state: refusedForm(values, error) };
        // A page shows the refusal with the status the change itself would get; htmx swaps only a 2xx answer.
        if (!htmx) status = statusOfError(error);
      }
      if (htmx) return render.page(request, reply, <PreviewPanel op={op} preview={shown} />);
      const state = shown.kind === 'refused' ? shown.state : { values, errors: {}, message: undefined };
      return page(request, reply, state, shown, status);
    });
  }
}
