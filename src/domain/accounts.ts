export const accountTypes = ['customer', 'partner'] as const;
export type AccountType = (typeof accountTypes)[number];

export interface Account {
  id: string;
  name: string;
  type: AccountType;
  parentAccountId: string | null;
  anonymous: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Contact {
  id: string;
  accountId: string;
  name: string;
  email: string;
  phone: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a list of accounts may be narrowed to (API query, portal pickers). */
export interface AccountFilter {
  type?: AccountType | undefined;
  parentAccountId?: string | undefined;
  anonymous?: boolean | undefined;
  /** Part of the name, any case. */
  name?: string | undefined;
}
