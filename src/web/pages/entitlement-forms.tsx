import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import { DEFAULT_ENTITLEMENT_ID_PATTERN } from '../../domain/bulk.ts';
import { isEditable, initialStates } from '../../domain/entitlement-states.ts';
import {
  type ChannelPartner,
  type Entitlement,
  type PartnerTier,
  entitlementKinds,
  partnerTiers,
  registrationFields,
  registrationPolicies,
} from '../../domain/entitlements.ts';
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
import { accountChoices, productChoices } from '../choices.ts';
import { CheckboxGroup, Form, SelectField, TextArea, TextField } from '../components/form.tsx';
import { Layout } from '../components/layout.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { compactRows, rowCount, rowState } from '../form-rows.ts';
import { type FormBody, type FormState, blanksAsNull, emptyForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, submit } from '../web.ts';

type Kind = (typeof entitlementKinds)[number];
type InitialState = (typeof initialStates)[number];

/** Rows of line items a form offers at most; more are added on the entitlement's page. */
const MAX_ROWS = 100;

const NewQuery = Type.Object({
  kind: Type.Optional(Type.Enum(entitlementKinds)),
  state: Type.Optional(Type.Enum(initialStates)),
  lines: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROWS })),
});

const RowQuery = Type.Object({ index: Type.Integer({ minimum: 0, maximum: MAX_ROWS - 1 }) });

const DEFAULT_LINE_ROWS = 3;
const tierOrder: PartnerTier[] = ['tier1', 'tier2', 'endCustomer'];
const tierOptions = partnerTiers.map((t) => ({
  value: t,
  label: { tier1: 'Tier-1 partner', tier2: 'Tier-2 partner', endCustomer: 'End customer' }[t],
}));
const stateOptions = initialStates.map((s) => ({
  value: s,
  label: s === 'draft' ? 'Draft (not usable yet)' : 'Test (activations make test licences)',
}));

/** What the forms offer to choose from. */
interface FormData {
  accounts: Choices;
  partners: Choices;
  products: Choices;
}

async function formData(web: Web, actor: Actor): Promise<FormData> {
  const [accounts, partners, products] = await Promise.all([
    accountChoices(web.ctx, actor),
    accountChoices(web.ctx, actor, { type: 'partner' }),
    productChoices(web.ctx, actor),
  ]);
  return { accounts, partners, products };
}

const titles: Record<Kind, Record<InitialState, string>> = {
  simple: { draft: 'New entitlement', test: 'New test entitlement' },
  bulk: { draft: 'New bulk entitlement', test: 'New test bulk entitlement' },
};

function IdFields({ state, initial }: { state: FormState; initial: InitialState }) {
  return (
    <div class="field-row">
      <TextField
        name="id"
        label="Entitlement ID"
        state={state}
        hint="Leave blank to have one generated, or specify your own: 1–64 of A–Z a–z 0–9 . _ -"
        autocomplete="off"
      />
      <SelectField
        name="state"
        label="Starts in"
        options={stateOptions}
        state={state}
        value={initial}
        hint="Deploy it when it is ready to be used."
      />
    </div>
  );
}

function ShipTo({ state, entitlement }: { state: FormState; entitlement?: Entitlement | undefined }) {
  return (
    <fieldset class="group">
      <legend>Description and shipping</legend>
      <TextArea
        name="description"
        label="Description"
        state={state}
        value={entitlement?.description}
        hint="For your staff, e.g. the order number."
      />
      <div class="field-row">
        <TextField
          name="shipToEmail"
          label="Ship to email"
          type="email"
          state={state}
          value={entitlement?.shipToEmail}
          hint="Where the activation IDs are sent."
        />
        <TextArea
          name="shipToAddress"
          label="Ship to address"
          state={state}
          value={entitlement?.shipToAddress}
          rows={2}
        />
      </div>
    </fieldset>
  );
}

/** Three rows, one per tier, each left blank when the tier has no partner. */
function SimplePartnerRows({
  state,
  data,
  current = [],
}: {
  state: FormState;
  data: FormData;
  current?: ChannelPartner[];
}) {
  const rows = [
    ...current,
    ...tierOrder
      .filter((t) => !current.some((p) => p.tier === t))
      .map((tier) => ({ tier, accountId: '', contactId: null })),
  ];
  return (
    <fieldset class="group">
      <legend>Channel partners</legend>
      <p class="field-hint">
        Who sold it: the tier-1 partner (a distributor) and tier-2 partner (a reseller) are partner accounts; the end
        customer is any account. Leave a row blank when there is none.
      </p>
      {state.errors['/channelPartners'] && <p class="field-error">{state.errors['/channelPartners']}</p>}
      {rows.map((row, i) => {
        const rs = rowState(state, '/channelPartners', i);
        return (
          <fieldset class="row-group">
            <legend class="visually-hidden">Channel partner {i + 1}</legend>
            <div class="field-row">
              <SelectField
                name={`/channelPartners/${i}/tier`}
                label="Tier"
                options={tierOptions}
                state={rs}
                value={row.tier}
              />
              <PickerField
                name={`/channelPartners/${i}/accountId`}
                label="Account"
                choices={data.accounts}
                state={rs}
                value={row.accountId}
              />
              <TextField
                name={`/channelPartners/${i}/contactId`}
                label="Contact ID"
                state={rs}
                value={row.contactId}
                hint="Optional: a contact of that account."
              />
            </div>
          </fieldset>
        );
      })}
    </fieldset>
  );
}

/** A bulk entitlement is sold to one distributor, which is also its end customer. */
function BulkPartnerRows({
  state,
  data,
  current = [],
}: {
  state: FormState;
  data: FormData;
  current?: ChannelPartner[];
}) {
  const tier1 = current.find((p) => p.tier === 'tier1')?.accountId;
  const tier2 = current.find((p) => p.tier === 'tier2')?.accountId;
  return (
    <fieldset class="group">
      <legend>Sold to</legend>
      <p class="field-hint">
        Bulk entitlements are stock sold to a distributor: its tier-1 partner, which Licentia also records as the end
        customer (the two are the same account for a bulk entitlement). The end customers of the keys are named when
        each key is redeemed.
      </p>
      {state.errors['/channelPartners'] && <p class="field-error">{state.errors['/channelPartners']}</p>}
      <input type="hidden" name="/channelPartners/0/tier" value="tier1" />
      <PickerField
        name="/channelPartners/0/accountId"
        label="Tier-1 partner (and end customer)"
        choices={data.partners}
        state={rowState(state, '/channelPartners', 0)}
        value={tier1}
        required
      />
      <input type="hidden" name="/channelPartners/1/tier" value="tier2" />
      <PickerField
        name="/channelPartners/1/accountId"
        label="Tier-2 partner"
        choices={data.partners}
        state={rowState(state, '/channelPartners', 1)}
        value={tier2}
        hint="Optional: a reseller below the distributor."
      />
    </fieldset>
  );
}

export function LineItemRow({
  index,
  state,
  products,
}: {
  index: number;
  state?: FormState | undefined;
  products: Choices;
}) {
  const rs = rowState(state, '/lineItems', index);
  const n = index + 1;
  return (
    <fieldset class="group line-item-row">
      <legend>Line item {n}</legend>
      <div class="field-row">
        <PickerField
          name={`/lineItems/${index}/productId`}
          label="Product"
          choices={products}
          state={rs}
          required={index === 0}
          blank="Choose…"
        />
        <TextField name={`/lineItems/${index}/quantity`} label="Quantity" type="number" min={1} state={rs} value="1" />
      </div>
      <div class="field-row">
        <TextField
          name={`/lineItems/${index}/startDate`}
          label="Start date"
          type="date"
          state={rs}
          hint="Blank: usable at once."
        />
        <TextField
          name={`/lineItems/${index}/expirationDate`}
          label="Expiration date"
          type="date"
          state={rs}
          hint="Blank: permanent."
        />
        <TextField
          name={`/lineItems/${index}/activationId`}
          label="Activation ID"
          state={rs}
          hint="Blank: generated."
        />
      </div>
    </fieldset>
  );
}

/**
 * Another line item row: with scripts, fetched and put in place of the button (htmx); without,
 * the form is sent back to be shown again, as typed, with one more row.
 */
export function AddLineButton({ next }: { next: number }) {
  if (next >= MAX_ROWS)
    return <p class="muted">Add further line items on the entitlement's page once it is created.</p>;
  return (
    <div class="add-row">
      <button
        type="submit"
        class="button"
        formaction="/portal/entitlements/new/more-lines"
        hx-get={`/portal/entitlements/new/line-item?index=${next}`}
        hx-target="closest .add-row"
        hx-swap="outerHTML"
      >
        Add another line item
      </button>
    </div>
  );
}

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

function BulkFields({
  state,
  data,
  entitlement,
}: {
  state: FormState;
  data: FormData;
  entitlement?: Entitlement | undefined;
}) {
  const registration = entitlement?.registration;
  return (
    <>
      <fieldset class="group">
        <legend>Product and keys</legend>
        <div class="field-row">
          <PickerField
            name="productId"
            label="Product"
            choices={data.products}
            state={state}
            required
            value={entitlement?.productId}
          />
          <TextField
            name="quantityPerKey"
            label="Quantity per key"
            type="number"
            min={1}
            state={state}
            value={entitlement?.quantityPerKey ?? 1}
            hint="How many devices each redeemed key activates."
          />
        </div>
        <TextField
          name="entitlementIdPattern"
          label="Entitlement ID pattern"
          state={state}
          value={entitlement?.entitlementIdPattern ?? DEFAULT_ENTITLEMENT_ID_PATTERN}
          hint={
            <>
              The ID of the entitlement each redeemed key becomes. <code>{'{key}'}</code> is the key,{' '}
              <code>{'{bulk}'}</code> this bulk entitlement's ID, <code>{'{seq}'}</code> the key's number in it (in the
              order keys were added). It needs <code>{'{key}'}</code> or <code>{'{seq}'}</code>. With{' '}
              <code>{DEFAULT_ENTITLEMENT_ID_PATTERN}</code>, key ABCD-2345 becomes entitlement ABCD-2345ENT.
            </>
          }
        />
        <TextField
          name="keyPrefix"
          label="Key prefix"
          state={state}
          value={entitlement?.keyPrefix}
          hint="Optional: keys Licentia generates start with it (up to 16 of A–Z 0–9), to tell stock apart."
        />
      </fieldset>
      <fieldset class="group">
        <legend>Registration</legend>
        <SelectField
          name="/registration/policy"
          label="Registration when a key is redeemed"
          options={registrationPolicies.map((p) => ({
            value: p,
            label: { none: 'None: no personal data at all', optional: 'Optional', required: 'Required' }[p],
          }))}
          state={state}
          value={registration?.policy ?? 'none'}
          hint="None keeps end customers anonymous to you, as partners that resell often require."
        />
        <CheckboxGroup
          name="/registration/fields"
          label="Fields asked for (optional or required registration)"
          options={registrationFields.map((f) => ({ value: f, label: f }))}
          state={state}
          checked={registration?.fields ?? []}
        />
      </fieldset>
    </>
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
