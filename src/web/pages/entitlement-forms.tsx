import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isEditable, initialStates } from '../../domain/entitlement-states.ts';
import { type Entitlement, entitlementKinds } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import {
  BulkEntitlementInput,
  EntitlementUpdateInput,
  SimpleEntitlementInput,
} from '../../interface/schemas/entitlements-inputs.ts';
import { createEntitlement } from '../../services/entitlements/create-entitlement.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import { updateEntitlement } from '../../services/entitlements/update-entitlement.ts';
import { requireProducer } from '../../services/access.ts';
import { Form } from '../components/form.tsx';
import { Layout } from '../components/layout.tsx';
import { PickerField } from '../components/pickers.tsx';
import { compactRows, rowCount } from '../form-rows.ts';
import { type FormBody, type FormState, blanksAsNull, emptyForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, submit } from '../web.ts';
import {
  type Kind,
  type InitialState,
  MAX_ROWS,
  type FormData,
  formData,
  IdFields,
  ShipTo,
  SimplePartnerRows,
  BulkPartnerRows,
  LineItemRow,
  AddLineButton,
  BulkFields,
} from './entitlement-fields.tsx';

const NewQuery = Type.Object({
  kind: Type.Optional(Type.Enum(entitlementKinds)),
  state: Type.Optional(Type.Enum(initialStates)),
  lines: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROWS })),
});

const RowQuery = Type.Object({ index: Type.Integer({ minimum: 0, maximum: MAX_ROWS - 1 }) });

const DEFAULT_LINE_ROWS = 3;

const titles: Record<Kind, Record<InitialState, string>> = {
  simple: { draft: 'New entitlement', test: 'New test entitlement' },
  bulk: { draft: 'New bulk entitlement', test: 'New test bulk entitlement' },
};

function SimpleForm({
  state,
  data,
  initial,
  lines,
}: {
  state: FormState;
  data: FormData;
  initial: InitialState;
  lines: number;
}) {
  return (
    <Form action="/portal/entitlements" state={state} submit="Create entitlement" class="form form-wide">
      <input type="hidden" name="kind" value="simple" />
      <fieldset class="group">
        <legend>Entitlement</legend>
        <IdFields state={state} initial={initial} />
        <PickerField
          name="soldTo"
          label="Sold to"
          choices={data.accounts}
          state={state}
          required
          hint="The account that owns it and its devices."
        />
      </fieldset>
      <ShipTo state={state} />
      <SimplePartnerRows state={state} data={data} />
      <div class="rows" id="line-item-rows">
        <h2 class="rows-title">Line items</h2>
        {state.errors['/lineItems'] && <p class="field-error">{state.errors['/lineItems']}</p>}
        {Array.from({ length: lines }, (_, i) => (
          <LineItemRow index={i} state={state} products={data.products} />
        ))}
        <AddLineButton next={lines} />
      </div>
    </Form>
  );
}

function BulkForm({ state, data, initial }: { state: FormState; data: FormData; initial: InitialState }) {
  return (
    <Form action="/portal/entitlements" state={state} submit="Create bulk entitlement" class="form form-wide">
      <input type="hidden" name="kind" value="bulk" />
      <fieldset class="group">
        <legend>Bulk entitlement</legend>
        <IdFields state={state} initial={initial} />
      </fieldset>
      <BulkPartnerRows state={state} data={data} />
      <BulkFields state={state} data={data} />
      <ShipTo state={state} />
    </Form>
  );
}

function NewEntitlementPage({
  kind,
  initial,
  state,
  data,
  lines,
}: {
  kind: Kind;
  initial: InitialState;
  state: FormState;
  data: FormData;
  lines: number;
}) {
  const lead =
    kind === 'bulk'
      ? 'Stock of one product for a partner to resell: web register keys are loaded or generated once it is created, and each key redeemed becomes a simple entitlement.'
      : 'What an account bought: one or more line items, each with its own activation ID.';
  return (
    <Layout title={titles[kind][initial]} lead={lead}>
      {data.products.options.length === 0 && data.products.complete && (
        <p class="notice notice-warn">
          There are no products yet. <a href="/portal/catalog">Add one to the catalogue</a> first.
        </p>
      )}
      {kind === 'simple' ? (
        <SimpleForm state={state} data={data} initial={initial} lines={lines} />
      ) : (
        <BulkForm state={state} data={data} initial={initial} />
      )}
    </Layout>
  );
}

function EditEntitlementPage({
  entitlement,
  state,
  data,
}: {
  entitlement: Entitlement;
  state: FormState;
  data: FormData;
}) {
  const bulk = entitlement.kind === 'bulk';
  const path = `/portal/entitlements/${encodeURIComponent(entitlement.id)}`;
  return (
    <Layout
      title={`Edit ${entitlement.id}`}
      lead="Draft and test entitlements change freely; once deployed, only through lifecycle operations on their line items."
    >
      <p>
        <a href={path}>← Back to the entitlement</a>
      </p>
      <Form action={`${path}/edit`} state={state} submit="Save changes" class="form form-wide">
        {bulk ? (
          <>
            <BulkPartnerRows state={state} data={data} current={entitlement.channelPartners} />
            <BulkFields state={state} data={data} entitlement={entitlement} />
          </>
        ) : (
          <>
            <fieldset class="group">
              <legend>Entitlement</legend>
              <PickerField
                name="soldTo"
                label="Sold to"
                choices={data.accounts}
                state={state}
                required
                value={entitlement.soldTo}
              />
            </fieldset>
            <SimplePartnerRows state={state} data={data} current={entitlement.channelPartners} />
          </>
        )}
        <ShipTo state={state} entitlement={entitlement} />
      </Form>
    </Layout>
  );
}

/**
 * Shapes a posted entitlement form into the API's input: unused rows dropped, and what a form
 * cannot say with a blank field (clear this text, no channel partners, a policy asking for no
 * fields) said explicitly.
 */
function shapeForm(request: FastifyRequest, kind: Kind, editing: boolean): Record<string, unknown> {
  let body = (request.body ?? {}) as FormBody;
  body = compactRows(body, '/channelPartners', ['tier']);
  if (!editing && kind === 'simple') body = compactRows(body, '/lineItems', ['quantity']);
  request.body = body;
  const extra: Record<string, unknown> = editing
    ? blanksAsNull(body, ['description', 'shipToEmail', 'shipToAddress', ...(kind === 'bulk' ? ['keyPrefix'] : [])])
    : {};
  if (editing && kind === 'simple' && rowCount(body, '/channelPartners') === 0) extra.channelPartners = [];
  // A bulk entitlement always names its distributor; leaving it blank is a refusal, not "unchanged".
  if (kind === 'bulk' && rowCount(body, '/channelPartners') === 0) extra.channelPartners = [];
  const policy = textOf(body, '/registration/policy');
  if (kind === 'bulk' && policy !== undefined && body['/registration/fields'] === undefined)
    extra.registration = { policy, fields: [] };
  return extra;
}

export async function entitlementFormPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  /** Forms are for the producer: anyone else learns so before filling one in. */
  const producerOnly = (request: FastifyRequest) => {
    const { actor } = signedIn(request);
    requireProducer(actor);
    return actor;
  };

  app.get('/entitlements/new', async (request, reply) => {
    const actor = producerOnly(request);
    const query = parseQuery(NewQuery, request);
    const data = await formData(web, actor);
    const kind = query.kind ?? 'simple';
    return render.page(
      request,
      reply,
      <NewEntitlementPage
        kind={kind}
        initial={query.state ?? 'draft'}
        state={emptyForm}
        data={data}
        lines={query.lines ?? DEFAULT_LINE_ROWS}
      />,
    );
  });

  app.get('/entitlements/new/line-item', async (request, reply) => {
    const actor = producerOnly(request);
    const { index } = parseQuery(RowQuery, request);
    // Only htmx asks for a row alone; a person who opened the address gets the whole form.
    if (request.headers['hx-request'] !== 'true')
      return reply
        .code(303)
        .header('location', `/portal/entitlements/new?lines=${index + 1}`)
        .send();
    const { products } = await formData(web, actor);
    return render.page(
      request,
      reply,
      <>
        <LineItemRow index={index} products={products} />
        <AddLineButton next={index + 1} />
      </>,
    );
  });

  app.post('/entitlements/new/more-lines', async (request, reply) => {
    const actor = producerOnly(request);
    const values = (request.body ?? {}) as FormBody;
    const data = await formData(web, actor);
    const initial = textOf(values, 'state') === 'test' ? 'test' : 'draft';
    const lines = Math.min(Math.max(rowCount(values, '/lineItems'), DEFAULT_LINE_ROWS) + 1, MAX_ROWS);
    return render.page(
      request,
      reply,
      <NewEntitlementPage
        kind="simple"
        initial={initial}
        state={{ values, errors: {}, message: undefined }}
        data={data}
        lines={lines}
      />,
    );
  });

  app.post('/entitlements', async (request, reply) => {
    const { actor } = signedIn(request);
    const kind: Kind = textOf((request.body ?? {}) as FormBody, 'kind') === 'bulk' ? 'bulk' : 'simple';
    const extra = shapeForm(request, kind, false);
    const again = async (state: FormState) => {
      const initial = textOf(state.values, 'state') === 'test' ? 'test' : 'draft';
      const lines = Math.max(rowCount(state.values, '/lineItems') + 1, DEFAULT_LINE_ROWS);
      return (
        <NewEntitlementPage
          kind={kind}
          initial={initial}
          state={state}
          data={await formData(web, actor)}
          lines={lines}
        />
      );
    };
    const done = (e: Entitlement) => {
      const next =
        e.kind === 'bulk'
          ? 'Load or generate its web register keys next.'
          : e.state === 'draft'
            ? 'Deploy it when it is ready.'
            : '';
      return render.redirect(
        reply,
        `/portal/entitlements/${encodeURIComponent(e.id)}`,
        `Entitlement ${e.id} created in ${e.state}. ${next}`.trim(),
      );
    };
    if (kind === 'bulk')
      return submit(web, request, reply, {
        schema: BulkEntitlementInput,
        extra,
        run: (input) => createEntitlement(ctx, actor, input),
        done,
        again,
      });
    return submit(web, request, reply, {
      schema: SimpleEntitlementInput,
      extra,
      run: (input) => createEntitlement(ctx, actor, input),
      done,
      again,
    });
  });

  const editable = async (request: FastifyRequest) => {
    const actor = producerOnly(request);
    const entitlement = await getEntitlement(ctx, actor, (request.params as { id: string }).id);
    if (!isEditable(entitlement.state)) {
      throw new AppError(
        'INVALID_STATE',
        `Entitlement ${entitlement.id} is ${entitlement.state}; only draft and test entitlements can be edited.`,
      );
    }
    return { actor, entitlement };
  };

  app.get('/entitlements/:id/edit', async (request, reply) => {
    const { actor, entitlement } = await editable(request);
    return render.page(
      request,
      reply,
      <EditEntitlementPage entitlement={entitlement} state={emptyForm} data={await formData(web, actor)} />,
    );
  });

  app.post('/entitlements/:id/edit', async (request, reply) => {
    const { actor } = signedIn(request);
    // The entitlement as it is, for the form shown again; the service decides whether it may change.
    const entitlement = await getEntitlement(ctx, actor, (request.params as { id: string }).id);
    const extra = shapeForm(request, entitlement.kind, true);
    return submit(web, request, reply, {
      schema: EntitlementUpdateInput,
      extra,
      run: (input) => updateEntitlement(ctx, actor, entitlement.id, input),
      done: (e) =>
        render.redirect(reply, `/portal/entitlements/${encodeURIComponent(e.id)}`, `Entitlement ${e.id} is saved.`),
      again: async (state) => (
        <EditEntitlementPage entitlement={entitlement} state={state} data={await formData(web, actor)} />
      ),
    });
  });
}
