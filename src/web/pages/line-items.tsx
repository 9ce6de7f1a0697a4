import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Activation } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { isEditable } from '../../domain/entitlement-states.ts';
import { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import { statusOfError } from '../../interface/problem.ts';
import { mayReadEvents } from '../../services/events/list-events.ts';
import { listActivations } from '../../services/activations/read-activations.ts';
import { getLicenseModel } from '../../services/catalog/read-catalog.ts';
import { type ServiceContext, preview } from '../../services/context.ts';
import { upgradeTargets } from '../../services/lifecycle/change-line-item.ts';
import { targetAccountFilter } from '../../services/lifecycle/transfer-line-item.ts';
import { type LineItemHistory, getLineItemHistory } from '../../services/entitlements/line-item-history.ts';
import { getLineItemLineage, type LineItemLineage } from '../../services/entitlements/line-item-lineage.ts';
import { getLineItem, mayEditLineItems } from '../../services/entitlements/line-items.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import { type EventsWithActors, actorNames, eventsWithActors } from '../lookups.ts';
import { type Names, accountChoices, namesOf, productLabel } from '../choices.ts';
import {
  AccountRef,
  ActivationCode,
  type ChangeRow,
  DateCell,
  ChangeTable,
  HistorySection,
  Usage,
  VersionsSection,
  expiry,
  productName,
} from '../components/entitlements.tsx';
import { Form } from '../components/form.tsx';
import { Facts, Layout, Section, StateBadge, formatDate } from '../components/layout.tsx';
import { DataTable, Pager } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, parseForm, refusedForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, isAboutTheForm, parseQuery, submit } from '../web.ts';
import { entitlementPath } from './entitlements.tsx';
import { type Subject, type Offer, type Operation, operations, offeredOperations } from './line-item-operations.tsx';

const ACTIVATIONS_PAGE = 25;

const HISTORY_SIZE = 20;

const VERSIONS_PAGE = 20;

export const lineItemPath = (activationId: string) => `/portal/line-items/${encodeURIComponent(activationId)}`;

async function subjectOf(ctx: ServiceContext, request: FastifyRequest): Promise<Subject> {
  const { actor } = signedIn(request);
  const lineItem = await getLineItem(ctx, actor, (request.params as { activationId: string }).activationId);
  const entitlement = await getEntitlement(ctx, actor, lineItem.entitlementId);
  const names = await namesOf(ctx, actor, { accounts: [entitlement.soldTo], products: [lineItem.productId] });
  return { actor, lineItem, entitlement, names };
}

function LineItemFacts({ subject, overdraft }: { subject: Subject; overdraft?: number }) {
  const { lineItem, entitlement, names } = subject;
  const product = productName(lineItem.productId, names);
  return (
    <Facts
      items={[
        [
          'Activation ID',
          <ActivationCode lineItem={lineItem} product={product} email={entitlement.shipToEmail} link={false} />,
        ],
        ['Entitlement', <a href={entitlementPath(entitlement.id)}>{entitlement.id}</a>],
        ['Owner', <AccountRef id={entitlement.soldTo} names={names} />],
        ['Product', product],
        ['Activations', <Usage lineItem={lineItem} overdraft={overdraft} />],
        ['Starts', formatDate(lineItem.startDate)],
        ['Expires', expiry(lineItem.expirationDate)],
        ['State', <StateBadge state={lineItem.state} />],
      ]}
    />
  );
}

function LineagePanel({ lineage, names }: { lineage: LineItemLineage; names: Names }) {
  const { parent, children } = lineage;
  return (
    <Section title="Lineage" id="lineage">
      <p>
        {parent ? (
          <>
            Came from <a href={lineItemPath(parent.activationId)}>{parent.activationId}</a> (entitlement{' '}
            {parent.entitlementId}).
          </>
        ) : lineage.parentHidden ? (
          // Not its code: the line item it came from is someone else's, and may still be in use.
          'Came from a line item of another account, split or transferred to this one.'
        ) : (
          'This line item was created as it is; it came from no other.'
        )}
      </p>
      <DataTable
        caption="Line items that took over from this one"
        rows={children}
        empty={{ title: 'Nothing was split or transferred from it.' }}
        columns={[
          {
            label: 'Activation ID',
            cell: (li) => (
              <a href={lineItemPath(li.activationId)} class="mono">
                {li.activationId}
              </a>
            ),
          },
          { label: 'Entitlement', cell: (li) => <a href={entitlementPath(li.entitlementId)}>{li.entitlementId}</a> },
          { label: 'Product', cell: (li) => productName(li.productId, names) },
          { label: 'Quantity', numeric: true, cell: (li) => li.quantity },
          { label: 'State', cell: (li) => <StateBadge state={li.state} /> },
          { label: 'Created', cell: (li) => <DateCell iso={li.createdAt} /> },
        ]}
      />
    </Section>
  );
}

function LineItemPage(props: {
  subject: Subject;
  overdraft: number;
  lineage: LineItemLineage;
  activations: Page<Activation>;
  cursor: string | undefined;
  history: EventsWithActors | undefined;
  versions: LineItemHistory;
  versionsCursor: string | undefined;
  versionActors: Map<string, string>;
}) {
  const { subject, lineage, activations, history, versions } = props;
  const { actor, lineItem } = subject;
  const offered = offeredOperations(actor, lineItem);
  const path = lineItemPath(lineItem.activationId);
  return (
    <Layout
      title={`Line item ${lineItem.activationId}`}
      lead={
        <>
          <StateBadge state={lineItem.state} /> {productName(lineItem.productId, subject.names)} · quantity{' '}
          {lineItem.quantity}
        </>
      }
      actions={
        <>
          {offered.map((op) => (
            <a class="button" href={`${path}/${op.name}`}>
              {op.title}
            </a>
          ))}
          {mayEditLineItems(actor) && isEditable(subject.entitlement.state) && (
            <a class="button" href={`${path}/edit`}>
              Edit
            </a>
          )}
        </>
      }
    >
      <Section title="Details">
        <LineItemFacts subject={subject} overdraft={props.overdraft} />
      </Section>
      <LineagePanel lineage={lineage} names={subject.names} />
      <VersionsSection
        history={versions}
        names={subject.names}
        actors={props.versionActors}
        pager={
          <Pager
            path={path}
            query={{ cursor: props.cursor }}
            param="versions"
            label="Pages of versions"
            nextCursor={versions.nextCursor}
            cursor={props.versionsCursor}
          />
        }
      />
      <Section title="Activations" id="activations">
        <DataTable
          caption="Activations"
          rows={activations.items}
          empty={{
            title: 'No device has activated it yet.',
            body: (
              <p>
                Hand out the activation ID (copy it or email it, above); each device that activates with it appears
                here.
              </p>
            ),
          }}
          columns={[
            { label: 'Device', cell: (a) => a.deviceName ?? <span class="mono small">{a.fingerprint}</span> },
            { label: 'Count', numeric: true, cell: (a) => a.count },
            { label: 'State', cell: (a) => <StateBadge state={a.state} /> },
            { label: 'Licence', cell: (a) => (a.test ? 'test' : a.offline ? 'offline' : 'online') },
            { label: 'Issued', cell: (a) => <DateCell iso={a.issuedAt} /> },
            { label: 'Expires', cell: (a) => (a.expiresAt ? <DateCell iso={a.expiresAt} /> : 'never') },
          ]}
        />
        <Pager
          path={path}
          query={{ versions: props.versionsCursor }}
          label="Pages of activations"
          nextCursor={activations.nextCursor}
          cursor={props.cursor}
        />
      </Section>
      {history && (
        <HistorySection
          history={history}
          olderEventsHref={`/portal/events?lineItem=${encodeURIComponent(lineItem.activationId)}`}
        />
      )}
    </Layout>
  );
}

type PreviewState = { kind: 'none' } | { kind: 'changes'; rows: ChangeRow[] } | { kind: 'refused'; state: FormState };

function PreviewPanel({ op, preview }: { op: Operation; preview: PreviewState }) {
  if (preview.kind === 'none') return <p class="muted">Preview shows what will change before anything does.</p>;
  if (preview.kind === 'refused') {
    const fields = Object.entries(preview.state.errors).filter(([name]) => name.startsWith('/'));
    return (
      <div class="form-error" role="alert">
        <p>
          <strong>This {op.title.toLowerCase()} would be refused.</strong>{' '}
          {fields.length === 0 ? preview.state.message : 'Please correct:'}
        </p>
        {fields.length > 0 && (
          <ul>
            {fields.map(([name, message]) => (
              <li>
                {name.slice(1)}: {message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return (
    <div class="preview-result">
      <p>
        <strong>Nothing has changed yet.</strong> This is what “{op.verb}” will do:
      </p>
      <ChangeTable rows={preview.rows} caption={`What the ${op.title.toLowerCase()} changes`} />
    </div>
  );
}

function OperationPage({
  op,
  subject,
  offer,
  state,
  preview,
}: {
  op: Operation;
  subject: Subject;
  offer: Offer;
  state: FormState;
  preview: PreviewState;
}) {
  const path = `${lineItemPath(subject.lineItem.activationId)}/${op.name}`;
  return (
    <Layout title={`${op.title} ${subject.lineItem.activationId}`} lead={op.lead}>
      <p>
        <a href={lineItemPath(subject.lineItem.activationId)}>← Back to the line item</a>
      </p>
      <Section title="The line item now">
        <LineItemFacts subject={subject} />
      </Section>
      <Section title={op.title} id="operation">
        <div class="narrow">
          <Form action={path} state={state}>
            <op.Fields state={state} subject={subject} offer={offer} />
            <div class="form-actions">
              <button
                type="submit"
                class="button"
                formaction={`${path}/preview`}
                hx-post={`${path}/preview`}
                hx-target="#preview"
                hx-swap="innerHTML"
              >
                Preview the change
              </button>
              <button type="submit" class="button button-primary">
                {op.verb}
              </button>
            </div>
          </Form>
        </div>
        <div id="preview" class="preview" aria-live="polite">
          <PreviewPanel op={op} preview={preview} />
        </div>
      </Section>
    </Layout>
  );
}

async function offerFor(ctx: ServiceContext, op: Operation, subject: Subject): Promise<Offer> {
  const { actor, lineItem } = subject;
  if (op.name === 'transfer' || op.name === 'split') {
    // The accounts the operation's service accepts: a partner's own customers; any for the producer.
    const accounts = await accountChoices(ctx, actor, targetAccountFilter(actor));
    return { accounts, products: [] };
  }
  if (op.name === 'upgrade') {
    // What the upgrade itself allows (`upgradeAllowed`), asked of its service.
    const targets = await upgradeTargets(ctx, actor, lineItem.activationId);
    return {
      accounts: { options: [], complete: true, idHint: '' },
      products: targets.map((p) => ({ value: p.id, label: productLabel(p) })),
    };
  }
  return { accounts: { options: [], complete: true, idHint: '' }, products: [] };
}

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
