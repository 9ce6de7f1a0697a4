import { postalAddressLines } from '../../domain/entitlements.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { Actor } from '../../domain/actors.ts';
import { isEditable } from '../../domain/entitlement-states.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import { EntitlementStateInput, LineItemInput } from '../../interface/schemas/entitlements-inputs.ts';
import { mayLoadKeys } from '../../services/bulk/load-web-register-keys.ts';
import { changeEntitlementState } from '../../services/entitlements/change-entitlement-state.ts';
import { deleteEntitlement } from '../../services/entitlements/delete-entitlement.ts';
import { mayManageEntitlements } from '../../services/entitlements/create-entitlement.ts';
import { addLineItem, mayEditLineItems } from '../../services/entitlements/line-items.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import { mayReadEvents } from '../../services/events/list-events.ts';
import { regenerateEntitlementIds } from '../../services/entitlements/regenerate-entitlement-ids.ts';
import { type EventsWithActors, eventsWithActors } from '../lookups.ts';
import { type Names, namesOf, productChoices } from '../choices.ts';
import {
  AccountRef,
  ActivationCode,
  DateCell,
  HistorySection,
  expiry,
  productName,
} from '../components/entitlements.tsx';
import { Code, Facts, Layout, Section, StateBadge, formatDate } from '../components/layout.tsx';
import type { Choices } from '../components/pickers.tsx';
import { DataTable } from '../components/table.tsx';
import { type FormState, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { NoInput, type Web, submit } from '../web.ts';
import { entitlementPath } from './entitlements.tsx';
import { ProducerActions, BulkFacts, AddLineItemForm } from './entitlement-detail-parts.tsx';

// One entitlement's page, and the changes made from it: state moves, new IDs, deletion, a new line item.

const HISTORY_SIZE = 20;

interface DetailProps {
  actor: Actor;
  entitlement: Entitlement;
  names: Names;
  history: EventsWithActors | undefined;
  products: Choices | undefined;
  lineItemForm: FormState;
  /** A refused state move, regeneration or deletion. */
  refusal: string | undefined;
}

function EntitlementPage({ actor, entitlement, names, history, products, lineItemForm, refusal }: DetailProps) {
  const manage = mayManageEntitlements(actor);
  const editLineItems = mayEditLineItems(actor) && isEditable(entitlement.state);
  const bulk = entitlement.kind === 'bulk';
  return (
    <Layout
      title={`${bulk ? 'Bulk entitlement' : 'Entitlement'} ${entitlement.id}`}
      lead={
        <>
          <StateBadge state={entitlement.state} /> {entitlement.description ?? ''}
        </>
      }
      actions={manage ? <ProducerActions entitlement={entitlement} /> : undefined}
    >
      {refusal && (
        <div class="form-error" role="alert">
          {refusal}
        </div>
      )}
      <Section title="Details">
        <Facts
          items={[
            ['Entitlement ID', <Code>{entitlement.id}</Code>],
            ['Kind', bulk ? 'bulk (stock of web register keys)' : 'simple'],
            ['State', <StateBadge state={entitlement.state} />],
            ['Sold to', <AccountRef id={entitlement.soldTo} names={names} />],
            ['Description', entitlement.description],
            [
              'Ship to email',
              entitlement.shipToEmail ? (
                <a href={`mailto:${entitlement.shipToEmail}`}>{entitlement.shipToEmail}</a>
              ) : null,
            ],
            [
              'Ship to address',
              entitlement.shipToAddress ? (
                <span class="pre-line">{postalAddressLines(entitlement.shipToAddress).join('\n')}</span>
              ) : null,
            ],
            ...(entitlement.webRegisterKey !== undefined
              ? ([
                  ['Web register key', <Code>{entitlement.webRegisterKey}</Code>],
                  [
                    'From bulk entitlement',
                    entitlement.bulkEntitlementId ? (
                      <a href={entitlementPath(entitlement.bulkEntitlementId)}>{entitlement.bulkEntitlementId}</a>
                    ) : null,
                  ],
                ] as [string, ComponentChildren][])
              : []),
            ...(entitlement.registrationData
              ? ([
                  [
                    'Registered',
                    Object.entries(entitlement.registrationData)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(' · '),
                  ],
                ] as [string, string][])
              : []),
            ['Created', formatDate(entitlement.createdAt)],
            ['Changed', formatDate(entitlement.updatedAt)],
          ]}
        />
      </Section>
      {bulk && <BulkFacts entitlement={entitlement} names={names} mayLoad={mayLoadKeys(actor)} />}
      <Section title="Channel partners">
        <DataTable
          caption="Channel partners"
          rows={entitlement.channelPartners}
          empty={{
            title: 'No channel partners.',
            body:
              manage && isEditable(entitlement.state) ? (
                <p>Name them with Edit: a tier-1 and a tier-2 partner, and the end customer.</p>
              ) : undefined,
          }}
          columns={[
            { label: 'Tier', cell: (p) => tierLabels[p.tier] },
            { label: 'Account', cell: (p) => <AccountRef id={p.accountId} names={names} /> },
            { label: 'Contact', cell: (p) => (p.contactId ? <Code>{p.contactId}</Code> : '—') },
          ]}
        />
      </Section>
      {!bulk && (
        <Section title="Line items" id="line-items">
          <DataTable
            caption="Line items"
            rows={entitlement.lineItems}
            empty={{
              title: 'No line items yet.',
              body: editLineItems ? <p>Add one below: a product, a quantity and its dates.</p> : undefined,
            }}
            columns={[
              {
                label: 'Activation ID',
                cell: (li) => (
                  <ActivationCode
                    lineItem={li}
                    product={productName(li.productId, names)}
                    email={entitlement.shipToEmail}
                  />
                ),
              },
              { label: 'Product', cell: (li) => productName(li.productId, names) },
              { label: 'Quantity', numeric: true, cell: (li) => li.quantity },
              { label: 'Activated', numeric: true, cell: (li) => li.activatedCount },
              { label: 'Starts', cell: (li) => <DateCell iso={li.startDate} /> },
              { label: 'Expires', cell: (li) => <span class="nowrap">{expiry(li.expirationDate)}</span> },
              { label: 'State', cell: (li) => <StateBadge state={li.state} /> },
              {
                label: '',
                cell: (li) => (
                  <a
                    href={`/portal/line-items/${encodeURIComponent(li.activationId)}`}
                    aria-label={`Line item ${li.activationId}`}
                  >
                    Open
                  </a>
                ),
              },
            ]}
          />
        </Section>
      )}
      {products && <AddLineItemForm entitlement={entitlement} products={products} state={lineItemForm} />}
      {history && (
        <HistorySection
          history={history}
          olderEventsHref={`/portal/events?entitlement=${encodeURIComponent(entitlement.id)}`}
        />
      )}
    </Layout>
  );
}

/** A refusal of a button's post, which has no fields to show it beside. */
function refusalText(state: FormState): string | undefined {
  const fields = Object.entries(state.errors).filter(([name]) => name.startsWith('/'));
  if (fields.length === 0) return state.message;
  const sentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1).replace(/\.$/, '')}.`;
  return fields.map(([name, message]) => `That was refused (${name.slice(1)}). ${sentence(message)}`).join(' ');
}

const tierLabels = { tier1: 'Tier-1 partner', tier2: 'Tier-2 partner', endCustomer: 'End customer' } as const;

export async function entitlementDetailPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const show = async (
    request: FastifyRequest,
    id: string,
    options: { lineItemForm?: FormState; refusal?: string } = {},
  ) => {
    const { actor } = signedIn(request);
    const entitlement = await getEntitlement(ctx, actor, id);
    const canAdd = mayEditLineItems(actor) && entitlement.kind === 'simple' && isEditable(entitlement.state);
    const [names, history, products] = await Promise.all([
      namesOf(ctx, actor, {
        accounts: [entitlement.soldTo, ...entitlement.channelPartners.map((p) => p.accountId)],
        products: [entitlement.productId, ...entitlement.lineItems.map((li) => li.productId)],
      }),
      // The audit log is the producer's; partners and customers see the entitlement as it is now.
      mayReadEvents(actor)
        ? eventsWithActors(ctx, actor, { entitlement: entitlement.id }, { limit: HISTORY_SIZE })
        : undefined,
      canAdd ? productChoices(ctx, actor) : undefined,
    ]);
    return (
      <EntitlementPage
        actor={actor}
        entitlement={entitlement}
        names={names}
        history={history}
        products={products}
        lineItemForm={options.lineItemForm ?? emptyForm}
        refusal={options.refusal}
      />
    );
  };

  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  /** A button's post: done, or the entitlement again with the refusal on top. */
  const action = <R,>(
    request: FastifyRequest,
    reply: FastifyReply,
    run: () => Promise<R>,
    done: (result: R) => FastifyReply,
  ) =>
    submit(web, request, reply, {
      schema: NoInput,
      run,
      done,
      again: (state) => show(request, idOf(request), { refusal: refusalText(state) }),
    });

  app.get('/entitlements/:id', async (request, reply) =>
    render.page(request, reply, await show(request, idOf(request))),
  );

  app.post('/entitlements/:id/state', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: EntitlementStateInput,
      run: (input) => changeEntitlementState(ctx, actor, id, input.state),
      done: (e) => render.redirect(reply, entitlementPath(e.id), `Entitlement ${e.id} is ${e.state} now.`),
      again: (state) => show(request, id, { refusal: refusalText(state) }),
    });
  });

  app.post('/entitlements/:id/regenerate-ids', async (request, reply) => {
    const { actor } = signedIn(request);
    return action(
      request,
      reply,
      () => regenerateEntitlementIds(ctx, actor, idOf(request)),
      (e) =>
        render.redirect(
          reply,
          entitlementPath(e.id),
          `New IDs generated. The entitlement is ${e.id}; hand out the new activation IDs.`,
        ),
    );
  });

  app.post('/entitlements/:id/delete', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return action(
      request,
      reply,
      () => deleteEntitlement(ctx, actor, id),
      () => render.redirect(reply, '/portal/entitlements', `Entitlement ${id} is deleted.`),
    );
  });

  app.post('/entitlements/:id/line-items', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: LineItemInput,
      run: (input) => addLineItem(ctx, actor, id, input),
      done: (e) => {
        const added = e.lineItems.at(-1);
        return render.redirect(
          reply,
          `${entitlementPath(e.id)}#line-items`,
          `Line item ${added?.activationId ?? ''} added.`,
        );
      },
      again: (state) => show(request, id, { lineItemForm: state }),
    });
  });
}
