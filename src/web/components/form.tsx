import type { ComponentChildren } from 'preact';
import { type FormState, emptyForm, submittedValue, valuesOf } from '../forms.ts';
import { usePage, useUniqueId } from '../page-context.ts';

export function CsrfField() {
  return <input type="hidden" name="_csrf" value={usePage().csrfToken} />;
}

export interface FormProps {
  action: string;
  state?: FormState;
  children: ComponentChildren;
  submit?: string;
  /** Shown in a dialog before the form is sent (portal.js). */
  confirm?: string;
  class?: string;
  enctype?: 'multipart/form-data' | 'application/x-www-form-urlencoded';
  /** Extra attributes, e.g. htmx ones. */
  attributes?: Record<string, string>;
}

/** A form that posts to the portal, with its CSRF token and, after a refusal, what went wrong. */
export function Form({
  action,
  state = emptyForm,
  children,
  submit,
  confirm,
  class: className,
  enctype,
  attributes,
}: FormProps) {
  return (
    <form
      method="post"
      action={action}
      class={className ?? 'form'}
      data-confirm={confirm}
      enctype={enctype}
      {...attributes}
      novalidate
    >
      <CsrfField />
      {state.message && (
        <div class="form-error" role="alert">
          {state.message}
        </div>
      )}
      {children}
      {submit && (
        <div class="form-actions">
          <button type="submit" class="button button-primary">
            {submit}
          </button>
        </div>
      )}
    </form>
  );
}

/** A single button that posts, e.g. "Deploy" or "Return". */
export function PostButton({
  action,
  label,
  confirm,
  fields = {},
  tone = 'default',
  small = false,
}: {
  action: string;
  label: string;
  confirm?: string;
  fields?: Record<string, string>;
  tone?: 'default' | 'primary' | 'danger' | 'quiet';
  small?: boolean;
}) {
  return (
    <form method="post" action={action} class="inline-form" data-confirm={confirm}>
      <CsrfField />
      {Object.entries(fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={`button button-${tone}${small ? ' button-small' : ''}`}>
        {label}
      </button>
    </form>
  );
}

interface FieldBase {
  name: string;
  label: string;
  state?: FormState;
  hint?: ComponentChildren;
  required?: boolean;
  /** The value shown when the form is new (not after a refusal). */
  value?: string | number | null | undefined;
  /** The id of a radio button that using this field chooses (portal.js), e.g. "a new customer: its name". */
  selects?: string | undefined;
}

interface FieldIds {
  id: string;
  hint: string;
  error: string;
}

/** The ids of a field's input, hint and error, unique on the page even if another form has a field of this name. */
function useFieldIds(name: string): FieldIds {
  const id = useUniqueId(`f-${name.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^-+/, '')}`);
  return { id, hint: `${id}-hint`, error: `${id}-error` };
}

function shownValue(props: FieldBase): string {
  const state = props.state ?? emptyForm;
  const typed = submittedValue(state, props.name);
  if (typed !== undefined || Object.keys(state.values).length > 0) return typed ?? '';
  return props.value === null || props.value === undefined ? '' : String(props.value);
}

function FieldFrame({ props, ids, children }: { props: FieldBase; ids: FieldIds; children: ComponentChildren }) {
  const { id, hint, error } = ids;
  const message = props.state?.errors[props.name];
  return (
    <div class={message ? 'field field-invalid' : 'field'}>
      <label for={id}>
        {props.label}
        {props.required && (
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {children}
      {props.hint && (
        <p class="field-hint" id={hint}>
          {props.hint}
        </p>
      )}
      {message && (
        <p class="field-error" id={error}>
          {message}
        </p>
      )}
    </div>
  );
}

function describedBy(props: FieldBase, { hint, error }: FieldIds): string | undefined {
  const parts = [props.hint ? hint : '', props.state?.errors[props.name] ? error : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

export function TextField(
  props: FieldBase & {
    type?: 'text' | 'email' | 'number' | 'date' | 'password' | 'search' | 'url';
    autocomplete?: string;
    placeholder?: string;
    min?: number;
    max?: number;
    pattern?: string;
    autofocus?: boolean;
    /**
     * A portal URL answering `<option>`s for what is typed (`choicesPages`): the browser offers
     * them as suggestions. Without scripts the field stays a plain text field.
     */
    lookup?: string | undefined;
  },
) {
  const fieldIds = useFieldIds(props.name);
  const { id } = fieldIds;
  const suggestions = props.lookup ? `${id}-choices` : undefined;
  const lookup = props.lookup && {
    list: suggestions,
    'hx-get': props.lookup,
    'hx-trigger': 'input changed delay:250ms',
    'hx-target': `#${suggestions}`,
    'hx-swap': 'innerHTML',
    'hx-sync': 'this:replace',
    'hx-vals': JSON.stringify({ field: props.name }),
  };
  return (
    <FieldFrame props={props} ids={fieldIds}>
      <input
        id={id}
        name={props.name}
        // Preact types each input type's attributes apart; these few share the ones used here.
        type={(props.type ?? 'text') as 'text'}
        value={props.type === 'password' ? '' : shownValue(props)}
        required={props.required}
        autocomplete={props.autocomplete}
        placeholder={props.placeholder}
        min={props.min}
        max={props.max}
        pattern={props.pattern}
        autofocus={props.autofocus}
        aria-invalid={props.state?.errors[props.name] ? 'true' : undefined}
        aria-describedby={describedBy(props, fieldIds)}
        data-selects={props.selects}
        {...lookup}
        {...(lookup && { autocomplete: 'off' })}
      />
      {suggestions && <datalist id={suggestions} />}
    </FieldFrame>
  );
}

export function TextArea(props: FieldBase & { rows?: number; monospace?: boolean }) {
  const fieldIds = useFieldIds(props.name);
  const { id } = fieldIds;
  return (
    <FieldFrame props={props} ids={fieldIds}>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        required={props.required}
        class={props.monospace ? 'mono' : undefined}
        aria-invalid={props.state?.errors[props.name] ? 'true' : undefined}
        aria-describedby={describedBy(props, fieldIds)}
      >
        {shownValue(props)}
      </textarea>
    </FieldFrame>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField(props: FieldBase & { options: Option[]; blank?: string }) {
  const fieldIds = useFieldIds(props.name);
  const { id } = fieldIds;
  const selected = shownValue(props);
  return (
    <FieldFrame props={props} ids={fieldIds}>
      <select
        id={id}
        name={props.name}
        required={props.required}
        aria-invalid={props.state?.errors[props.name] ? 'true' : undefined}
        aria-describedby={describedBy(props, fieldIds)}
        data-selects={props.selects}
      >
        {props.blank !== undefined && <option value="">{props.blank}</option>}
        {props.options.map((option) => (
          <option value={option.value} selected={option.value === selected}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

/** A yes/no field; sends `true` when ticked and nothing otherwise. */
export function CheckboxField(props: FieldBase & { checked?: boolean }) {
  const fieldIds = useFieldIds(props.name);
  const { id } = fieldIds;
  const state = props.state ?? emptyForm;
  const submitted = Object.keys(state.values).length > 0;
  const checked = submitted ? submittedValue(state, props.name) === 'true' : (props.checked ?? false);
  return (
    <div class="field field-check">
      <input
        id={id}
        type="checkbox"
        name={props.name}
        value="true"
        checked={checked}
        aria-describedby={describedBy(props, fieldIds)}
      />
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p class="field-hint" id={fieldIds.hint}>
          {props.hint}
        </p>
      )}
      {state.errors[props.name] && (
        <p class="field-error" id={fieldIds.error}>
          {state.errors[props.name]}
        </p>
      )}
    </div>
  );
}

/** Several ticks under one name, sent as a list. */
export function CheckboxGroup(props: FieldBase & { options: Option[]; checked?: string[] }) {
  const state = props.state ?? emptyForm;
  const submitted = Object.keys(state.values).length > 0;
  const checked = submitted ? valuesOf(state, props.name) : (props.checked ?? []);
  // A refusal of one ticked entry (`name/2`) is the group's to show.
  const message =
    state.errors[props.name] ?? Object.entries(state.errors).find(([field]) => field.startsWith(`${props.name}/`))?.[1];
  const groupId = useFieldIds(props.name).id;
  return (
    <fieldset class={message ? 'field field-invalid' : 'field'}>
      <legend>{props.label}</legend>
      {props.options.map((option) => {
        const id = `${groupId}-${option.value}`;
        return (
          <div class="field-check">
            <input
              id={id}
              type="checkbox"
              name={props.name}
              value={option.value}
              checked={checked.includes(option.value)}
            />
            <label for={id}>{option.label}</label>
          </div>
        );
      })}
      {props.hint && <p class="field-hint">{props.hint}</p>}
      {message && <p class="field-error">{message}</p>}
    </fieldset>
  );
}

/** Fields side by side on a wide screen, stacked on a phone. */
export function FieldRow({ children }: { children: ComponentChildren }) {
  return <div class="field-row">{children}</div>;
}
