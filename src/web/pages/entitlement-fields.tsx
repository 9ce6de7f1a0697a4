import type { Actor } from '../../domain/actors.ts';
import { DEFAULT_ENTITLEMENT_ID_PATTERN } from '../../domain/bulk.ts';
import { initialStates } from '../../domain/entitlement-states.ts';
import {
  type ChannelPartner,
  type Entitlement,
  type PartnerTier,
  type entitlementKinds,
  partnerTiers,
  registrationFields,
  registrationPolicies,
} from '../../domain/entitlements.ts';
import { accountChoices, productChoices } from '../choices.ts';
import { CheckboxGroup, SelectField, TextArea, TextField } from '../components/form.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { rowState } from '../form-rows.ts';
import type { FormState } from '../forms.ts';
import type { Web } from '../web.ts';

// The field groups of the entitlement forms (IDs, ship-to, partners, line items, bulk settings), shared by
// the new and the edit form, and what they offer to choose from.

export type Kind = (typeof entitlementKinds)[number];

export type InitialState = (typeof initialStates)[number];

/** Rows of line items a form offers at most; more are added on the entitlement's page. */
export const MAX_ROWS = 100;

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
export interface FormData {
  accounts: Choices;
  partners: Choices;
  products: Choices;
}

export async function formData(web: Web, actor: Actor): Promise<FormData> {
  const [accounts, partners, products] = await Promise.all([
    accountChoices(web.ctx, actor),
    accountChoices(web.ctx, actor, { type: 'partner' }),
    productChoices(web.ctx, actor),
  ]);
  return { accounts, partners, products };
}

export function IdFields({ state, initial }: { state: FormState; initial: InitialState }) {
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

export function ShipTo({ state, entitlement }: { state: FormState; entitlement?: Entitlement | undefined }) {
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
export function SimplePartnerRows({
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
export function BulkPartnerRows({
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

export function BulkFields({
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
