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
  PARTNER_ROWS,
  PartnerRows,
  accountField,
  contactField,
  partnerAccountIds,
  tierField,
} from './channel-partner-fields.tsx';
import { channelPartnerStepPages, makeInPlace } from './channel-partner-step.tsx';
import {
  type Kind,
  type InitialState,
  MAX_ROWS,
  type FormData,
  formData,
  IdFields,
  ShipTo,
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

const NEW_PARTNER_ACTION = '/portal/entitlements/new/partner';

function SimpleForm({
  state,
  data,
  initial,
  lines,
  notice,
}: {
  state: FormState;
  data: FormData;
  initial: InitialState;
  lines: number;
  notice: string | undefined;
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
      <PartnerRows
        kind="simple"
        state={state}
        accounts={data.accounts}
        contacts={data.contacts}
        makeAction={NEW_PARTNER_ACTION}
        notice={notice}
      />
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

function BulkForm({
  state,
  data,
  initial,
  notice,
}: {
  state: FormState;
  data: FormData;
  initial: InitialState;
  notice: string | undefined;
}) {
  return (
    <Form action="/portal/entitlements" state={state} submit="Create bulk entitlement" class="form form-wide">
      <input type="hidden" name="kind" value="bulk" />
      <fieldset class="group">
        <legend>Bulk entitlement</legend>
        <IdFields state={state} initial={initial} />
      </fieldset>
      <PartnerRows
        kind="bulk"
        state={state}
        accounts={data.accounts}
        contacts={data.contacts}
        makeAction={NEW_PARTNER_ACTION}
        notice={notice}
      />
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
  notice,
}: {
  kind: Kind;
  initial: InitialState;
  state: FormState;
  data: FormData;
  lines: number;
  /** What an in-place step of the channel-partner rows just did. */
  notice?: string | undefined;
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
        <SimpleForm state={state} data={data} initial={initial} lines={lines} notice={notice} />
      ) : (
        <BulkForm state={state} data={data} initial={initial} notice={notice} />
      )}
    </Layout>
  );
}

function EditEntitlementPage({
  entitlement,
  state,
  data,
  notice,
}: {
  entitlement: Entitlement;
  state: FormState;
  data: FormData;
  notice?: string | undefined;
}) {
  const bulk = entitlement.kind === 'bulk';
  const path = `/portal/entitlements/${encodeURIComponent(entitlement.id)}`;
  const partners = (
    <PartnerRows
      kind={entitlement.kind}
      state={state}
      accounts={data.accounts}
      contacts={data.contacts}
      current={entitlement.channelPartners}
      makeAction={`${path}/edit/partner`}
      notice={notice}
    />
  );
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
            {partners}
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
            {partners}
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
  if (kind === 'bulk') body = withBulkEndCustomer(body);
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

/**
 * A bulk entitlement's end customer is its tier-1 partner: a row for the end customer that names
 * only a contact means a contact of that account.
 */
function withBulkEndCustomer(body: FormBody): FormBody {
  const rows = Array.from({ length: PARTNER_ROWS }, (_, i) => i);
  const tier1 = rows.find((i) => textOf(body, tierField(i)) === 'tier1');
  const end = rows.find((i) => textOf(body, tierField(i)) === 'endCustomer');
  if (tier1 === undefined || end === undefined) return body;
  if ((textOf(body, accountField(end)) ?? '').trim() !== '' || (textOf(body, contactField(end)) ?? '').trim() === '')
    return body;
  return { ...body, [accountField(end)]: textOf(body, accountField(tier1)) ?? '' };
}

export async function entitlementFormPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;
  await channelPartnerStepPages(web);

  /** Forms are for the producer: anyone else learns so before filling one in. */
  const producerOnly = (request: FastifyRequest) => {
    const { actor } = signedIn(request);
    requireProducer(actor);
    return actor;
  };

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
    const data = await formData(web, actor, partnerAccountIds(values));
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

  // "Create it here" in a channel-partner row: the account or contact is made, the form comes back as sent.
  app.post('/entitlements/new/partner', async (request, reply) => {
    const actor = producerOnly(request);
    const sent = (request.body ?? {}) as FormBody;
    const { state, notice, status } = await makeInPlace(web, actor, sent);
    const kind: Kind = textOf(sent, 'kind') === 'bulk' ? 'bulk' : 'simple';
    const initial = textOf(sent, 'state') === 'test' ? 'test' : 'draft';
    const lines = Math.max(rowCount(sent, '/lineItems'), DEFAULT_LINE_ROWS);
    const data = await formData(web, actor, partnerAccountIds(state.values));
    return render.page(
      request,
      reply,
      <NewEntitlementPage kind={kind} initial={initial} state={state} data={data} lines={lines} notice={notice} />,
      { status },
    );
  });

  app.post('/entitlements/:id/edit/partner', async (request, reply) => {
    const { actor, entitlement } = await editable(request);
    const { state, notice, status } = await makeInPlace(web, actor, (request.body ?? {}) as FormBody);
    const data = await formData(web, actor, partnerAccountIds(state.values, entitlement.channelPartners));
    return render.page(
      request,
      reply,
      <EditEntitlementPage entitlement={entitlement} state={state} data={data} notice={notice} />,
      { status },
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
          data={await formData(web, actor, partnerAccountIds(state.values))}
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

  app.get('/entitlements/:id/edit', async (request, reply) => {
    const { actor, entitlement } = await editable(request);
    return render.page(
      request,
      reply,
      <EditEntitlementPage
        entitlement={entitlement}
        state={emptyForm}
        data={await formData(web, actor, partnerAccountIds({}, entitlement.channelPartners))}
      />,
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
        <EditEntitlementPage
          entitlement={entitlement}
          state={state}
          data={await formData(web, actor, partnerAccountIds(state.values, entitlement.channelPartners))}
        />
      ),
    });
  });
}
