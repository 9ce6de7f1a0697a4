import { type Activation, activationStates } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import type { Page } from '../../domain/paging.ts';
import { mayRevokeActivations } from '../../services/activations/end-activation.ts';
import { seesOtherAccounts } from '../../services/portal-view.ts';
import {
  ActivationState,
  type ActivationNames,
  ActivationTable,
  deviceLabel,
} from '../components/activation-table.tsx';
import { Form, PostButton, SelectField, TextField } from '../components/form.tsx';
import { Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { FilterBar, Pager } from '../components/table.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { type FormState, emptyForm } from '../forms.ts';

// The activations list and one activation's page, rendered by the routes in activations.tsx.

/** A licence file's name a person recognises in a downloads folder. */
export function licenceFilename(activation: Pick<Activation, 'activationId' | 'deviceName' | 'fingerprint'>): string {
  const part = (text: string) =>
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48);
  const device = part(deviceLabel(activation)) || 'device';
  return `licence-${part(activation.activationId)}-${device}.lic`;
}

const stateOptions = activationStates.map((s) => ({ value: s, label: s }));
const testOptions = [
  { value: 'false', label: 'Billable only' },
  { value: 'true', label: 'Test only' },
];

export function ActivationsPage({
  activations,
  names,
  query,
  showAccount,
  accountName,
  accountPicker,
}: {
  activations: Page<Activation>;
  names: ActivationNames;
  query: Record<string, string | undefined>;
  showAccount: boolean;
  accountName: string | undefined;
  /** The accounts to filter by, for a reader who sees several. */
  accountPicker: Choices | undefined;
}) {
  const filtered = Object.entries(query).some(([key, value]) => key !== 'cursor' && value !== undefined);
  const lead = query.account
    ? `Activations of ${accountName ?? query.account}.`
    : query.entitlement
      ? `Activations of entitlement ${query.entitlement}.`
      : 'Every activation of a licence on a device, newest first. Open one to download its licence file or to return it.';
  return (
    <Layout
      title={showAccount ? 'Activations' : 'Devices and licences'}
      lead={lead}
      actions={
        <a class="button" href="/portal/devices">
          Devices
        </a>
      }
    >
      <Section title="Find activations">
        <FilterBar action="/portal/activations">
          <TextField
            name="q"
            label="Activation code or ID"
            value={query.q}
            placeholder="Code, or act_…"
            type="search"
          />
          <TextField
            name="fingerprint"
            label="Fingerprint"
            value={query.fingerprint}
            placeholder="The whole fingerprint"
            type="search"
          />
          {accountPicker && (
            <PickerField
              name="account"
              label="Account"
              choices={accountPicker}
              blank="Any account"
              value={query.account}
            />
          )}
          {query.entitlement && <input type="hidden" name="entitlement" value={query.entitlement} />}
          <SelectField name="state" label="State" options={stateOptions} blank="Any state" value={query.state} />
          <SelectField name="test" label="Test" options={testOptions} blank="Billable and test" value={query.test} />
        </FilterBar>
        <ActivationTable
          activations={activations.items}
          names={names}
          showAccount={showAccount}
          empty={
            filtered
              ? {
                  title: 'No activation matches these filters.',
                  body: <p>Check the code or fingerprint, or clear the filters to see every activation.</p>,
                }
              : {
                  title: 'No device has been activated yet.',
                  body: (
                    <p>
                      A device activates with an activation code at /activate or through the API; it appears here as
                      soon as it has a licence.
                    </p>
                  ),
                }
          }
        />
        <Pager path="/portal/activations" query={query} nextCursor={activations.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

export function ActivationPage({
  activation,
  names,
  actor,
  accountName,
  mailState = emptyForm,
}: {
  activation: Activation;
  names: ActivationNames;
  actor: Actor;
  accountName: string | undefined;
  mailState?: FormState;
}) {
  const active = activation.state === 'active';
  const anonymous = actor.type === 'user' && actor.accountAnonymous;
  const product = names.products.get(activation.productId) ?? activation.productId;
  return (
    <Layout
      title={`${product} on ${deviceLabel(activation)}`}
      lead={
        active
          ? 'This device holds a licence. Download the licence file to install it again, or return the activation to free its count for another device.'
          : `This activation was ${activation.state} on ${formatDate(activation.endedAt)}; its licence no longer validates.`
      }
      actions={
        <a class="button" href="/portal/activations">
          All activations
        </a>
      }
    >
      <Section title="Licence">
        <Facts
          items={[
            ['State', <ActivationState activation={activation} />],
            ['Product', product],
            [
              'Activation code',
              anonymous ? (
                <Code>{activation.activationId}</Code>
              ) : (
                <a href={`/portal/entitlements/${encodeURIComponent(activation.entitlementId)}`}>
                  <Code>{activation.activationId}</Code>
                </a>
              ),
            ],
            ['Entitlement', anonymous ? null : activation.entitlementId],
            ['Count', activation.count],
            ['Activated', formatDate(activation.issuedAt)],
            ['Licence expires', activation.expiresAt ? formatDate(activation.expiresAt) : 'Never (permanent)'],
            [
              activation.state === 'revoked' ? 'Revoked' : 'Returned',
              activation.endedAt ? formatDate(activation.endedAt) : null,
            ],
            ['Activated offline', activation.offline ? 'Yes' : 'No'],
            ['Activation ID', <Code>{activation.id}</Code>],
          ]}
        />
        <div class="button-row section-foot">
          <a
            class="button button-primary"
            href={`/portal/activations/${activation.id}/license`}
            download={licenceFilename(activation)}
          >
            Download licence file
          </a>
          {active && (
            <PostButton
              action={`/portal/activations/${activation.id}/return`}
              label="Return"
              confirm="Return this activation? Its licence stops validating and its count goes back to the line item."
            />
          )}
          {active && mayRevokeActivations(actor) && (
            <PostButton
              action={`/portal/activations/${activation.id}/revoke`}
              label="Revoke"
              tone="danger"
              confirm="Revoke this licence for good? It validates as REVOKED from now on; the count comes back."
            />
          )}
        </div>
      </Section>
      {active && !anonymous && (
        <Section title="Mail the licence">
          <Form action={`/portal/activations/${activation.id}/email`} state={mailState} submit="Mail the licence file">
            <TextField
              name="to"
              label="To"
              type="email"
              state={mailState}
              hint="Left blank: the entitlement's ship-to address."
            />
          </Form>
        </Section>
      )}
      <Section title="Device">
        <Facts
          items={[
            ['Name', activation.deviceName],
            ['Fingerprint', <Code>{activation.fingerprint}</Code>],
            [
              'Account',
              seesOtherAccounts(actor) ? (
                <a href={`/portal/activations?account=${encodeURIComponent(activation.accountId)}`}>
                  {accountName ?? activation.accountId}
                </a>
              ) : (
                accountName
              ),
            ],
          ]}
        />
        <p class="section-foot">
          <a href={`/portal/devices/${activation.deviceId}`}>Everything activated on this device</a>
        </p>
      </Section>
    </Layout>
  );
}
