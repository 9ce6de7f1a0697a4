import type { ComponentChildren } from 'preact';
import type { FormState } from '../forms.ts';
import { type Option, SelectField, TextField } from './form.tsx';

/** Records to choose one of; `complete` is false when there were too many to list. */
export interface Choices {
  options: Option[];
  complete: boolean;
  /** What the IDs look like, for the text field shown when the list is not complete. */
  idHint: string;
  /** Where that text field finds suggestions for what is typed (see `choicesPages`). */
  lookup?: string | undefined;
}

/**
 * A choice of an account or a product: a select while the records fit in one, otherwise a field
 * for the ID that suggests records by name as one types (and takes an ID pasted from a list page),
 * so a large producer is never handed a select of a hundred thousand entries.
 */
export function PickerField(props: {
  name: string;
  label: string;
  choices: Choices;
  state?: FormState | undefined;
  hint?: ComponentChildren;
  required?: boolean;
  value?: string | null | undefined;
  /** The entry meaning "none", e.g. "Any account" in a filter. */
  blank?: string;
}) {
  const { choices, ...field } = props;
  if (choices.complete)
    return (
      <SelectField {...field} options={choices.options} blank={props.blank ?? (props.required ? 'Choose…' : 'None')} />
    );
  const hint = (
    <>
      {props.hint} There are too many to list here:{' '}
      {choices.lookup ? 'type part of a name and pick a suggestion, or' : ''} type the ID ({choices.idHint}).
    </>
  );
  return <TextField {...field} hint={hint} lookup={choices.lookup} />;
}
