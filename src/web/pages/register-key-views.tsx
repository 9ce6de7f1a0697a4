import type { Account } from '../../domain/accounts.ts';
import type { WebRegisterKey } from '../../domain/bulk.ts';
import type { Entitlement, Registration, RegistrationField } from '../../domain/entitlements.ts';
import { Form, SelectField, TextField } from '../components/form.tsx';
import { entitlementPath } from '../components/keys.tsx';
import { Code, CopyButton, Facts, Layout, Section } from '../components/layout.tsx';
import { type FormState, textOf } from '../forms.ts';

// Registering a key once found: the form (the owner and the registration fields its stock asks for) and the page after.

const fieldLabels: Record<RegistrationField, { label: string; type?: 'email'; autocomplete: string }> = {
  name: { label: 'Person’s name', autocomplete: 'name' },
  email: { label: 'Email', type: 'email', autocomplete: 'email' },
  company: { label: 'Company', autocomplete: 'organization' },
  phone: { label: 'Phone', autocomplete: 'tel' },
  country: { label: 'Country', autocomplete: 'country-name' },
  address: { label: 'Address', autocomplete: 'street-address' },
};

export interface KeyContext {
  key: WebRegisterKey;
  stock: Entitlement;
  productLabel: string;
  owners: Account[];
  /** The partner that holds the stock: new end customers go below it. */
  holder: Account | undefined;
}

/** Refusals of registration fields the form does not show (sent anyway, or the policy changed meanwhile). */
function UnaskedFields({ registration, state }: { registration: Registration; state: FormState }) {
  const unasked = Object.entries(state.errors).filter(
    ([name]) => name.startsWith('/registration/') && !registration.fields.some((f) => name === `/registration/${f}`),
  );
  if (unasked.length === 0) return null;
  return (
    <p class="form-error" role="alert">
      This stock does not collect these details, so none was stored and the key is not registered:{' '}
      {unasked.map(([name, message]) => `${name.slice('/registration/'.length)} (${message})`).join(', ')}.
    </p>
  );
}

function RegistrationFields({ registration, state }: { registration: Registration; state: FormState }) {
  if (registration.policy === 'none') {
    return (
      <>
        <UnaskedFields registration={registration} state={state} />
        <p class="muted">This stock collects no personal data: only the name above is stored.</p>
      </>
    );
  }
  return (
    <fieldset class="group">
      <legend>Registration{registration.policy === 'required' ? '' : ' (optional)'}</legend>
      <p class="field-hint">
        {registration.policy === 'required'
          ? 'The producer asks for these details with every key of this stock.'
          : 'The producer asks for these details; you may leave them out.'}
      </p>
      <UnaskedFields registration={registration} state={state} />
      {registration.fields.map((field) => (
        <TextField
          name={`/registration/${field}`}
          label={fieldLabels[field].label}
          type={fieldLabels[field].type}
          autocomplete={fieldLabels[field].autocomplete}
          state={state}
          required={registration.policy === 'required'}
        />
      ))}
    </fieldset>
  );
}

/** Step two: who the key is registered for, and what the stock's policy asks. */
export function RegisterPage({ view, state }: { view: KeyContext; state: FormState }) {
  const owner = textOf(state.values, '_owner') ?? (view.owners.length > 0 ? 'existing' : 'new');
  const registration = view.stock.registration ?? { policy: 'none', fields: [] };
  return (
    <Layout
      title="Register a key"
      lead={
        <>
          Key <Code>{view.key.key}</Code> of {view.productLabel}, from stock {view.stock.id}.
        </>
      }
    >
      <div class="narrow">
        <Form action="/portal/register" state={state} submit="Register the key">
          <input type="hidden" name="_key" value={view.key.key} />
          <fieldset class="group radio-choice">
            <legend>For whom</legend>
            {view.owners.length > 0 && (
              <div class="field-check">
                <input
                  id="f-owner-existing"
                  type="radio"
                  name="_owner"
                  value="existing"
                  checked={owner === 'existing'}
                />
                <label for="f-owner-existing">An existing customer</label>
              </div>
            )}
            {view.owners.length > 0 && (
              <SelectField
                name="accountId"
                label="Customer"
                options={view.owners.map((a) => ({
                  value: a.id,
                  label: a.id === view.holder?.id ? `${a.name} (the stock’s own account)` : a.name,
                }))}
                blank="Choose a customer"
                state={state}
                selects="f-owner-existing"
              />
            )}
            <div class="field-check">
              <input id="f-owner-new" type="radio" name="_owner" value="new" checked={owner === 'new'} />
              <label for="f-owner-new">A new end customer, known by name only</label>
            </div>
            <TextField
              name="accountName"
              label="Name of the new end customer"
              state={state}
              selects="f-owner-new"
              autocomplete="off"
              hint="Only this name is stored: choose one you will recognise, such as your order number. The producer sees the name and nothing else."
            />
          </fieldset>
          <RegistrationFields registration={registration} state={state} />
        </Form>
        <p class="after-form">
          <a href="/portal/register">Register another key instead</a>
        </p>
      </div>
    </Layout>
  );
}

export function RegisteredPage({
  entitlement,
  ownerName,
  productLabel,
  activateUrl,
}: {
  entitlement: Entitlement;
  ownerName: string;
  productLabel: string;
  activateUrl: string;
}) {
  const item = entitlement.lineItems[0];
  const activationId = item?.activationId ?? '';
  const mail = `/portal/entitlements/${encodeURIComponent(entitlement.id)}/email`;
  return (
    <Layout
      title="Key registered"
      lead={`Key ${entitlement.webRegisterKey ?? ''} is now entitlement ${entitlement.id}, for ${ownerName}.`}
    >
      <div class="notice activation-result" role="status">
        <p>
          <strong>Give the end customer this activation ID.</strong> They activate {productLabel} with it, in the
          software or at <a href={activateUrl}>{activateUrl}</a>; they need no account.
        </p>
        <div class="secret">
          <span class="activation-id">{activationId}</span>
          <CopyButton text={activationId} />
        </div>
        <p class="button-row">
          <a class="button" href={mail}>
            Email it
          </a>
          <a class="button" href={entitlementPath(entitlement.id)}>
            Open the entitlement
          </a>
          <a class="button button-quiet" href="/portal/register">
            Register another key
          </a>
        </p>
      </div>
      <Section title="The new entitlement">
        <Facts
          items={[
            ['Entitlement ID', <a href={entitlementPath(entitlement.id)}>{entitlement.id}</a>],
            ['Activation ID', <Code>{activationId}</Code>],
            ['Product', productLabel],
            ['Quantity', item ? item.quantity.toLocaleString('en') : '—'],
            ['Owner', ownerName],
            ['State', entitlement.state],
            ['From stock', entitlement.bulkEntitlementId ?? '—'],
          ]}
        />
      </Section>
    </Layout>
  );
}
