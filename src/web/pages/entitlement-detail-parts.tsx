import { type EntitlementState, isEditable, movesFrom } from '../../domain/entitlement-states.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import type { Names } from '../choices.ts';
import { productName } from '../components/entitlements.tsx';
import { Form, PostButton, TextField } from '../components/form.tsx';
import { Code, Facts, Section } from '../components/layout.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import type { FormState } from '../forms.ts';
import { entitlementPath } from './entitlements.tsx';

// The entitlement page's parts: the producer's actions, the stock facts of a bulk entitlement, the new line item form.

const moveLabels: Record<EntitlementState, string> = {
  draft: 'Back to draft',
  test: 'Move to test',
  deployed: 'Deploy',
  inactive: 'Suspend',
  obsolete: 'Make obsolete',
};

function moveLabel(from: EntitlementState, to: EntitlementState): string {
  return from === 'inactive' && to === 'deployed' ? 'Reactivate' : moveLabels[to];
}

const moveQuestions: Partial<Record<EntitlementState, string>> = {
  inactive:
    'Suspend this entitlement? Its licences stop validating and no device can activate until it is reactivated.',
  obsolete: 'Make this entitlement obsolete? This is final: it can never be used or changed again.',
};

export function ProducerActions({ entitlement }: { entitlement: Entitlement }) {
  const path = entitlementPath(entitlement.id);
  return (
    <>
      {movesFrom(entitlement.state).map((to) => (
        <PostButton
          action={`${path}/state`}
          fields={{ state: to }}
          label={moveLabel(entitlement.state, to)}
          tone={to === 'obsolete' ? 'danger' : to === 'deployed' ? 'primary' : 'default'}
          confirm={moveQuestions[to]}
        />
      ))}
      {isEditable(entitlement.state) && (
        <>
          <a class="button" href={`${path}/edit`}>
            Edit
          </a>
          <PostButton
            action={`${path}/regenerate-ids`}
            label="Regenerate IDs"
            confirm="Replace the generated entitlement ID and activation IDs with new ones? IDs you specified stay."
          />
          <PostButton
            action={`${path}/delete`}
            label="Delete"
            tone="danger"
            confirm={`Delete entitlement ${entitlement.id} and its line items? This cannot be undone.`}
          />
        </>
      )}
    </>
  );
}

export function BulkFacts({
  entitlement,
  names,
  mayLoad,
}: {
  entitlement: Entitlement;
  names: Names;
  mayLoad: boolean;
}) {
  const keys = entitlement.webRegisterKeys ?? { total: 0, unredeemed: 0, redeemed: 0, void: 0 };
  const registration = entitlement.registration;
  const keysPath = `${entitlementPath(entitlement.id)}/keys`;
  return (
    <Section
      title="Stock"
      id="stock"
      actions={
        <a class="button button-primary" href={keysPath}>
          Web register keys
        </a>
      }
    >
      <div class="cards">
        {(
          [
            ['Keys', keys.total],
            ['Unredeemed', keys.unredeemed],
            ['Redeemed', keys.redeemed],
            ['Void', keys.void],
          ] as const
        ).map(([label, value]) => (
          <div class="card stat">
            <span class="stat-value">{value}</span>
            <span class="stat-label">{label}</span>
          </div>
        ))}
      </div>
      <Facts
        items={[
          ['Product', productName(entitlement.productId, names)],
          ['Quantity per key', entitlement.quantityPerKey],
          ['Entitlement ID pattern', <Code>{entitlement.entitlementIdPattern}</Code>],
          [
            'Registration',
            registration
              ? `${registration.policy}${registration.fields.length ? `: ${registration.fields.join(', ')}` : ''}`
              : 'none',
          ],
          ['Key prefix', entitlement.keyPrefix ? <Code>{entitlement.keyPrefix}</Code> : null],
          [
            'Split from',
            entitlement.parentEntitlementId ? (
              <a href={entitlementPath(entitlement.parentEntitlementId)}>{entitlement.parentEntitlementId}</a>
            ) : null,
          ],
        ]}
      />
      {keys.total === 0 && mayLoad && (
        <p class="notice">
          No web register keys yet. <a href={keysPath}>Load or generate them</a> so the partner has stock to resell.
        </p>
      )}
    </Section>
  );
}

export function AddLineItemForm({
  entitlement,
  products,
  state,
}: {
  entitlement: Entitlement;
  products: Choices;
  state: FormState;
}) {
  return (
    <Section title="Add a line item" id="add-line-item">
      <Form action={`${entitlementPath(entitlement.id)}/line-items`} state={state} submit="Add line item">
        <div class="field-row">
          <PickerField name="productId" label="Product" choices={products} state={state} required />
          <TextField name="quantity" label="Quantity" type="number" min={1} state={state} required value="1" />
        </div>
        <div class="field-row">
          <TextField name="startDate" label="Start date" type="date" state={state} hint="Blank: usable at once." />
          <TextField name="expirationDate" label="Expiration date" type="date" state={state} hint="Blank: permanent." />
          <TextField
            name="activationId"
            label="Activation ID"
            state={state}
            hint="Blank: generated (100 random bits)."
          />
        </div>
      </Form>
    </Section>
  );
}
