import type { Account } from '../../domain/accounts.ts';
import type { Page } from '../../domain/paging.ts';
import { accountLabel } from '../choices.ts';
import type { FormState } from '../forms.ts';
import { PickerField } from './pickers.tsx';

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

/** An account to choose from a page of them: a list when the page holds them all, otherwise its ID. */
export function AccountPicker({ choices, ...field }: AccountPickerProps) {
  const options = choices.items.map((account) => ({ value: account.id, label: accountLabel(account) }));
  return <PickerField {...field} choices={{ options, complete: choices.nextCursor === null, idHint: 'acc_…' }} />;
}
