import type { Contact } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { type ChannelPartner, type PartnerTier, partnerTiers } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import { listContacts } from '../../services/accounts/read-accounts.ts';
import { type Option, SelectField, TextField } from '../components/form.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { rowState } from '../form-rows.ts';
import { type FormBody, type FormState, textOf } from '../forms.ts';
import type { Web } from '../web.ts';

// The channel-partner step of the entitlement forms, as the seed's "Create a Bulk Entitlement" has
// it: per partner, its tier, its account and a contact of that account, each account or contact
// creatable in place (`channel-partner-step.tsx`) without losing what the form already holds.

export type EntitlementKind = 'simple' | 'bulk';

export const tierLabels: Record<PartnerTier, string> = {
  tier1: 'Tier-1 partner',
  tier2: 'Tier-2 partner',
  endCustomer: 'End customer',
};

const tierOptions = partnerTiers.map((t) => ({ value: t, label: tierLabels[t] }));

/** Rows the form offers: one per tier, as many as there are tiers. */
export const PARTNER_ROWS = partnerTiers.length;

/** Contacts a select lists; an account with more is given by contact ID. */
const CONTACT_LIMIT = 200;

/** The contacts of the accounts the rows name, by account ID (an unknown or anonymous account has none). */
export type PartnerContacts = Map<string, { contacts: Contact[]; complete: boolean }>;

export async function partnerContacts(web: Web, actor: Actor, accountIds: string[]): Promise<PartnerContacts> {
  const found: PartnerContacts = new Map();
  for (const accountId of new Set(accountIds.filter((id) => id !== ''))) {
    try {
      const page = await listContacts(web.ctx, actor, accountId, { limit: CONTACT_LIMIT });
      found.set(accountId, { contacts: page.items, complete: page.nextCursor === null });
    } catch (error) {
      // An ID typed by hand that names no account: the form's own refusal will say so.
      if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error;
    }
  }
  return found;
}

/** The accounts named by the rows of a form as sent, or as the entitlement has them. */
export function partnerAccountIds(values: FormBody, current: ChannelPartner[] = []): string[] {
  const sent = Array.from({ length: PARTNER_ROWS }, (_, i) => textOf(values, accountField(i)) ?? '');
  return [...sent, ...current.map((p) => p.accountId)];
}

export const accountField = (i: number) => `/channelPartners/${i}/accountId`;
export const contactField = (i: number) => `/channelPartners/${i}/contactId`;
export const tierField = (i: number) => `/channelPartners/${i}/tier`;
/** The in-place creation fields: `_`-names, so that the entitlement's own input never includes them. */
export const newField = (i: number, name: string) => `_new/${i}/${name}`;

interface Row {
  tier: PartnerTier;
  accountId: string;
  contactId: string | null;
}

function rowsOf(kind: EntitlementKind, current: ChannelPartner[]): Row[] {
  // A bulk entitlement's end customer is its tier-1 partner: the service records it so, the form need not ask.
  const shown = kind === 'bulk' ? current.filter((p) => p.tier !== 'endCustomer' || p.contactId !== null) : current;
  return [
    ...shown.map((p) => ({ tier: p.tier, accountId: p.accountId, contactId: p.contactId })),
    ...partnerTiers
      .filter((t) => !shown.some((p) => p.tier === t))
      .map((tier) => ({ tier, accountId: '', contactId: null })),
  ];
}

/** A contact of the row's account: a select of its contacts, filled in again when the account changes (htmx). */
export function ContactField({
  index,
  accountId,
  contacts,
  state,
  value,
}: {
  index: number;
  accountId: string;
  contacts: PartnerContacts;
  state?: FormState | undefined;
  value?: string | null | undefined;
}) {
  const known = contacts.get(accountId);
  if (known && !known.complete)
    return (
      <TextField
        name={contactField(index)}
        label="Contact"
        state={state}
        value={value}
        hint="Optional. The account has too many contacts to list: type the contact's ID (con_…), from the account's page."
      />
    );
  const options: Option[] = (known?.contacts ?? []).map((c) => ({ value: c.id, label: `${c.name} <${c.email}>` }));
  const hint =
    accountId === ''
      ? 'Optional. Choose the account first; its contacts are listed here.'
      : options.length === 0
        ? 'Optional. The account has no contacts yet: add one below.'
        : 'Optional: who to deal with at that account.';
  return (
    <SelectField
      name={contactField(index)}
      label="Contact"
      options={options}
      blank="None"
      state={state}
      value={value}
      hint={hint}
    />
  );
}

export const contactSlotId = (i: number) => `partner-contact-${i}`;

/**
 * The three steps for one partner: tier, account, contact. Changing the account asks for its
 * contacts (htmx); without scripts the "List its contacts" button sends the form back to be shown
 * again, as typed, with them.
 */
function PartnerRow({
  index,
  row,
  kind,
  accounts,
  contacts,
  state,
  makeAction,
}: {
  index: number;
  row: Row;
  kind: EntitlementKind;
  accounts: Choices;
  contacts: PartnerContacts;
  state: FormState;
  makeAction: string;
}) {
  const rs = rowState(state, '/channelPartners', index);
  const accountId = (rs ? textOf(state.values, accountField(index)) : row.accountId) ?? '';
  const tier = ((rs ? textOf(state.values, tierField(index)) : undefined) ?? row.tier) as PartnerTier;
  const accountHint =
    kind === 'bulk' && tier === 'endCustomer'
      ? 'Blank: the tier-1 partner, which is a bulk entitlement’s end customer.'
      : kind === 'bulk' && tier === 'tier1'
        ? 'The distributor the stock is sold to; it is also recorded as the end customer.'
        : 'Tier-1 and tier-2 partners are partner accounts; the end customer is any account.';
  return (
    <fieldset class="row-group partner-row">
      <legend>Channel partner {index + 1}</legend>
      <div class="field-row">
        <SelectField name={tierField(index)} label="Tier" options={tierOptions} state={rs} value={row.tier} />
        <div
          class="partner-account"
          hx-get={`/portal/entitlements/partner-contact?index=${index}`}
          hx-trigger="change"
          hx-include={`[name='${accountField(index)}']`}
          hx-target={`#${contactSlotId(index)}`}
          hx-swap="innerHTML"
        >
          <PickerField
            name={accountField(index)}
            label="Account"
            choices={accounts}
            state={rs}
            value={row.accountId}
            hint={accountHint}
          />
        </div>
        <div id={contactSlotId(index)} class="partner-contact">
          <ContactField index={index} accountId={accountId} contacts={contacts} state={rs} value={row.contactId} />
        </div>
      </div>
      <noscript>
        <button type="submit" class="button button-small" formaction={makeAction} name="_make" value={`list/${index}`}>
          List its contacts
        </button>
      </noscript>
      <div class="in-place">
        <details open={Boolean(state.errors[newField(index, 'accountName')])}>
          <summary>The account is not there yet: create it here</summary>
          <div class="field-row">
            <TextField name={newField(index, 'accountName')} label="New account’s name" state={state} />
            <SelectField
              name={newField(index, 'accountType')}
              label="Type"
              options={[
                { value: 'partner', label: 'Partner (distributor or reseller)' },
                { value: 'customer', label: 'Customer' },
              ]}
              state={state}
              value={tier === 'endCustomer' ? 'customer' : 'partner'}
            />
          </div>
          <button type="submit" class="button" formaction={makeAction} name="_make" value={`account/${index}`}>
            Create the account and choose it
          </button>
        </details>
        <details
          open={Boolean(state.errors[newField(index, 'contactName')] || state.errors[newField(index, 'contactEmail')])}
        >
          <summary>Add a contact to the chosen account</summary>
          <div class="field-row">
            <TextField name={newField(index, 'contactName')} label="Contact’s name" state={state} />
            <TextField name={newField(index, 'contactEmail')} label="Contact’s email" type="email" state={state} />
          </div>
          <button type="submit" class="button" formaction={makeAction} name="_make" value={`contact/${index}`}>
            Add the contact and choose it
          </button>
        </details>
      </div>
    </fieldset>
  );
}

/**
 * The channel partners of a simple or bulk entitlement: any tier each. On a bulk entitlement the
 * tier-1 partner is required and the end customer is the same account unless given.
 */
export function PartnerRows({
  kind,
  state,
  accounts,
  contacts,
  current = [],
  makeAction,
  notice,
}: {
  kind: EntitlementKind;
  state: FormState;
  accounts: Choices;
  contacts: PartnerContacts;
  current?: ChannelPartner[];
  /** Where the in-place creation buttons send the form. */
  makeAction: string;
  /** What an in-place creation just did. */
  notice?: string | undefined;
}) {
  const rows = rowsOf(kind, current);
  return (
    <fieldset class="group" id="channel-partners">
      <legend>Channel partners</legend>
      <p class="field-hint">
        {kind === 'bulk'
          ? 'Bulk entitlements are stock sold to a distributor: its tier-1 partner, which Licentia also records as the end customer (the same account, unless you name another row as end customer). The end customers of the keys are named when each key is redeemed.'
          : 'Who sold it: the tier-1 partner (a distributor) and tier-2 partner (a reseller) are partner accounts; the end customer is any account. Leave a row blank when there is none.'}
      </p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {state.errors['/channelPartners'] && <p class="field-error">{state.errors['/channelPartners']}</p>}
      {rows.map((row, i) => (
        <PartnerRow
          index={i}
          row={row}
          kind={kind}
          accounts={accounts}
          contacts={contacts}
          state={state}
          makeAction={makeAction}
        />
      ))}
    </fieldset>
  );
}
