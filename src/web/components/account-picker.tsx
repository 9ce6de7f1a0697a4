import type { Account } from '../../domain/accounts.ts';
import type { Page } from '../../domain/paging.ts';
import type { FormState } from '../forms.ts';
import { SelectField, TextField } from './form.tsx';

export interface AccountPickerProps {
  name: string;
  label: string;
  state?: FormState;
  /** The accounts to choose from, as the service listed them for the signed-in person. */
  choices: Page<Account>;
  value?: string | null | undefined;
  /** The entry meaning "none", if there may be none. */
  blank?: string;
  hint?: string;
  required?: boolean;
}

export function accountLabel(account: Account): string {
  return `${account.name} (${account.anonymous ? 'anonymous customer' : account.type})`;
}

/**
 * An account to choose: a list when the choices fit on one page, otherwise its ID typed in, since a
 * list missing some accounts would be worse than none.
 */
export function AccountPicker({ name, label, state, choices, value, blank, hint, required }: AccountPickerProps) {
  if (choices.nextCursor !== null) {
    return <TextField name={name} label={label} state={state} value={value} required={required} hint={hint ?? 'The account ID (acc_…), from its page under Accounts.'} />;
  }
  const options = choices.items.map((account) => ({ value: account.id, label: accountLabel(account) }));
  return <SelectField name={name} label={label} state={state} options={options} value={value} blank={blank} hint={hint} required={required} />;
}
