import { postalAddressLines } from '../../domain/entitlements.ts';
import type { Actor } from '../../domain/actors.ts';
import { DEFAULT_ENTITLEMENT_ID_PATTERN } from '../../domain/bulk.ts';
import { initialStates } from '../../domain/entitlement-states.ts';
import {
  type Entitlement,
  type entitlementKinds,
  registrationFields,
  registrationPolicies,
} from '../../domain/entitlements.ts';
import { accountChoices, productChoices } from '../choices.ts';
import { CheckboxGroup, SelectField, TextArea, TextField } from '../components/form.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { rowState } from '../form-rows.ts';
import { type PartnerContacts, partnerContacts } from './channel-partner-fields.tsx';
import type { FormState } from '../forms.ts';
import type { Web } from '../web.ts';

// The field groups of the entitlement forms (IDs, ship-to, partners, line items, bulk settings), shared by
// the new and the edit form, and what they offer to choose from.

export type Kind = (typeof entitlementKinds)[number];

export type InitialState = (typeof initialStates)[number];

/** Rows of line items a form offers at most; more are added on the entitlement's page. */
export const MAX_ROWS = 100;

const stateOptions = initialStates.map((s) => ({
  value: s,
  label: s === 'draft' ? 'Draft (not usable yet)' : 'Test (activations make test licences)',
}));

/** What the forms offer to choose from. */
export interface FormData {
  accounts: Choices;
  products: Choices;
  /** The contacts of the accounts the channel-partner rows name. */
  contacts: PartnerContacts;
}

export async function formData(web: Web, actor: Actor, partnerAccounts: string[] = []): Promise<FormData> {
  const [accounts, products, contacts] = await Promise.all([
    accountChoices(web.ctx, actor),
    productChoices(web.ctx, actor),
    partnerContacts(web, actor, partnerAccounts),
  ]);
  return { accounts, products, contacts };
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
        hint="Shown with the entitlement to everyone who may see it: the account it is sold to and its channel partners (a bulk entitlement's distributor and resellers too). An order number fits; internal notes do not."
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
          value={entitlement?.shipToAddress ? postalAddressLines(entitlement.shipToAddress).join('\n') : undefined}
          rows={2}
        />
      </div>
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
            hint="Node-locked or uncounted: a web register key cannot start a floating seat."
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
