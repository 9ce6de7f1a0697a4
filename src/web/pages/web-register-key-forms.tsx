import type { WebRegisterKey } from '../../domain/bulk.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import type { Page } from '../../domain/paging.ts';
import { CheckboxField, Form, SelectField, TextField } from '../components/form.tsx';
import { KeyListField, KeyUploadForm, type RefusedKey, RejectedKeys, keysPath } from '../components/keys.tsx';
import { Section } from '../components/layout.tsx';
import type { FormState } from '../forms.ts';

// The forms of a bulk entitlement's keys page: add (paste, generate), void, split to a reseller; and the
// view of the page they are drawn from.

type FormName = 'paste' | 'generate' | 'void' | 'voidCount' | 'split';

/** The forms of the page as they are shown: new, or again after a refusal (with the keys refused). */
export type Forms = Partial<Record<FormName, FormState>> & { refused?: { form: FormName; keys: RefusedKey[] } };

export interface KeysView {
  entitlement: Entitlement;
  productLabel: string;
  keys: Page<WebRegisterKey>;
  query: { state?: string | undefined; cursor?: string | undefined };
  splits: Entitlement[];
  /** Names of the accounts on the stock the viewer may see. */
  names: Map<string, string>;
  may: { load: boolean; void: boolean; split: boolean };
  /** The stock this one was split from, if the viewer may open it. */
  parentVisible: boolean;
  partnerOptions: { value: string; label: string }[];
  uploadLimitBytes: number;
  forms: Forms;
}

export function partnerName(view: KeysView, accountId: string | undefined): string {
  if (!accountId) return '—';
  return view.names.get(accountId) ?? 'another partner';
}

export function Refused({ forms, form, title }: { forms: Forms; form: FormName; title: string }) {
  return forms.refused?.form === form ? <RejectedKeys rejected={forms.refused.keys} title={title} /> : null;
}

export function AddKeys({ view }: { view: KeysView }) {
  const { entitlement, forms } = view;
  const base = keysPath(entitlement.id);
  return (
    <Section title="Add keys" id="add-keys">
      <div class="key-actions">
        <div class="key-action">
          <h3>Upload a key file</h3>
          <KeyUploadForm action={`${base}/upload`} limitBytes={view.uploadLimitBytes} />
        </div>
        <div class="key-action">
          <h3>Paste keys</h3>
          <Form action={`${base}/paste`} state={forms.paste} submit="Add these keys">
            <KeyListField name="keys" label="Keys, one per line" state={forms.paste} rows={6} />
            <CheckboxField name="_partial" label="Add the good keys and skip the rejected ones" state={forms.paste} />
            <Refused forms={forms} form="paste" title="These keys were refused:" />
          </Form>
        </div>
        <div class="key-action">
          <h3>Generate keys</h3>
          <Form action={`${base}/generate`} state={forms.generate} submit="Generate">
            <TextField
              name="generate"
              label="How many"
              type="number"
              min={1}
              max={1_000_000}
              state={forms.generate}
              required
            />
            <TextField
              name="prefix"
              label="Prefix"
              state={forms.generate}
              hint={`Optional: 1 to 16 of A–Z and 0–9, e.g. a reseller's code.${entitlement.keyPrefix ? ` Leave blank for this stock's own prefix, ${entitlement.keyPrefix}.` : ''}`}
            />
          </Form>
        </div>
      </div>
      <div id="upload-result" aria-live="polite"></div>
    </Section>
  );
}

export function VoidKeys({ view }: { view: KeysView }) {
  const { entitlement, forms } = view;
  const base = keysPath(entitlement.id);
  // The section stays (a key upload refreshes it in place), its forms only once there is a key they can act on.
  if ((entitlement.webRegisterKeys?.unredeemed ?? 0) === 0)
    return (
      <Section title="Void keys" id="void-keys">
        <p class="muted">No unredeemed keys to void. Keys can be voided once some are loaded or generated.</p>
      </Section>
    );
  return (
    <Section title="Void keys" id="void-keys">
      <p class="muted">
        A void key can no longer be redeemed or activated: for lost or stolen stock. Redeemed keys stay redeemed.
      </p>
      <div class="key-actions">
        <div class="key-action">
          <h3>These keys</h3>
          <Form
            action={`${base}/void`}
            state={forms.void}
            submit="Void these keys"
            submitTone="danger"
            confirm="Void the keys listed and ticked? This cannot be undone."
            attributes={{ id: 'void-form' }}
          >
            <KeyListField
              name="keys"
              label="Keys to void, one per line"
              state={forms.void}
              hint="Keys ticked in the list above are voided too."
            />
            <CheckboxField name="_partial" label="Void the others if some cannot be voided" state={forms.void} />
            <Refused forms={forms} form="void" title="These keys cannot be voided, so none was:" />
          </Form>
        </div>
        <div class="key-action">
          <h3>A number of keys</h3>
          <Form
            action={`${base}/void-count`}
            state={forms.voidCount}
            submit="Void"
            submitTone="danger"
            confirm="Void this many unredeemed keys? This cannot be undone."
          >
            <TextField
              name="count"
              label="How many unredeemed keys"
              type="number"
              min={1}
              max={entitlement.webRegisterKeys?.unredeemed}
              state={forms.voidCount}
              required
              hint={`The oldest first. ${entitlement.webRegisterKeys?.unredeemed.toLocaleString('en') ?? 0} unredeemed now.`}
            />
          </Form>
        </div>
      </div>
    </Section>
  );
}

export function SplitStock({ view }: { view: KeysView }) {
  const { entitlement, forms } = view;
  const state = forms.split;
  return (
    <Section title="Split stock to a reseller" id="split">
      <p class="muted">
        Moves unredeemed keys into a new bulk entitlement for a tier-2 partner, who may then register them. The tier-1
        partner stays on it and is billed for it.
      </p>
      {(entitlement.webRegisterKeys?.unredeemed ?? 0) === 0 ? (
        <p class="muted">No unredeemed keys to split. Stock can be split once some keys are loaded or generated.</p>
      ) : view.partnerOptions.length === 0 ? (
        <p>
          There is no other partner account to split to yet. A reseller is a partner account, made on the Accounts page.
        </p>
      ) : (
        <div class="narrow">
          <Form action={`${keysPath(entitlement.id)}/split`} state={state} submit="Split stock">
            <SelectField
              name="partnerAccountId"
              label="Reseller (tier-2 partner)"
              options={view.partnerOptions}
              blank="Choose a partner"
              state={state}
              required
            />
            <TextField
              name="count"
              label="Number of keys"
              type="number"
              min={1}
              state={state}
              hint="The oldest unredeemed keys first."
            />
            <KeyListField name="keys" label="Or exactly these keys, one per line" state={state} rows={3} />
            <TextField
              name="id"
              label="ID of the new entitlement"
              state={state}
              hint="Leave blank to have one generated."
            />
            <Refused forms={forms} form="split" title="These keys cannot be moved, so none was:" />
          </Form>
        </div>
      )}
    </Section>
  );
}
