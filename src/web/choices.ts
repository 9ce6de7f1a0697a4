import type { Account, AccountFilter } from '../domain/accounts.ts';
import type { Actor } from '../domain/actors.ts';
import type { Product } from '../domain/catalog.ts';
import { getAccounts } from '../services/accounts/read-accounts.ts';
import { listAccounts } from '../services/accounts/read-accounts.ts';
import { findProducts } from '../services/catalog/find-products.ts';
import { listProducts } from '../services/catalog/read-catalog.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Option } from './components/form.tsx';
import type { Choices } from './components/pickers.tsx';
import { hrefWith } from './hrefs.ts';

/** A select stays usable up to a few hundred entries; beyond that the picker asks for the ID. */
const CHOICE_LIMIT = 500;
/** As many suggestions as a browser shows under a field. */
const SUGGESTIONS = 20;

export function accountLabel(account: Account): string {
  const notes = [account.type === 'partner' ? 'partner' : '', account.anonymous ? 'anonymous' : ''].filter(Boolean);
  return notes.length > 0 ? `${account.name} (${notes.join(', ')})` : account.name;
}

export function productLabel(product: Product): string {
  return `${product.name} ${product.version}`;
}

const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label);

/** Accounts the actor may see (the service scopes them), to choose one from. */
export async function accountChoices(
  ctx: ServiceContext,
  actor: Actor,
  filter: AccountChoiceFilter = {},
): Promise<Choices> {
  const page = await listAccounts(ctx, actor, filter, { limit: CHOICE_LIMIT });
  return {
    options: page.items.map((a) => ({ value: a.id, label: accountLabel(a) })).sort(byLabel),
    complete: page.nextCursor === null,
    idHint: 'acc_…',
    lookup: hrefWith('/portal/suggestions/accounts', filter),
  };
}

export async function productChoices(ctx: ServiceContext, actor: Actor): Promise<Choices> {
  const page = await listProducts(ctx, actor, {}, { limit: CHOICE_LIMIT });
  return {
    options: page.items.map((p) => ({ value: p.id, label: productLabel(p) })).sort(byLabel),
    complete: page.nextCursor === null,
    idHint: 'prd_…',
    lookup: '/portal/suggestions/products',
  };
}

/** What an account picker may offer: the same filters for its list and its suggestions. */
export type AccountChoiceFilter = Pick<AccountFilter, 'type' | 'parentAccountId' | 'anonymous'>;

/** Records whose name contains `text`, for a picker's suggestions. */
export async function accountSuggestions(
  ctx: ServiceContext,
  actor: Actor,
  filter: AccountChoiceFilter,
  text: string,
): Promise<Option[]> {
  const page = await listAccounts(ctx, actor, { ...filter, name: text }, { limit: SUGGESTIONS });
  return page.items.map((a) => ({ value: a.id, label: accountLabel(a) }));
}

export async function productSuggestions(ctx: ServiceContext, actor: Actor, text: string): Promise<Option[]> {
  const page = await listProducts(ctx, actor, { name: text }, { limit: SUGGESTIONS });
  return page.items.map((p) => ({ value: p.id, label: productLabel(p) }));
}

/** The accounts and products a page mentions, looked up at once, to show names instead of IDs. */
export interface Names {
  accounts: Map<string, Account>;
  products: Map<string, Product>;
}

export async function namesOf(
  ctx: ServiceContext,
  actor: Actor,
  ids: { accounts: (string | null | undefined)[]; products: (string | null | undefined)[] },
): Promise<Names> {
  const present = (list: (string | null | undefined)[]) =>
    list.filter((id): id is string => typeof id === 'string' && id !== '');
  const [accounts, products] = await Promise.all([
    getAccounts(ctx, actor, present(ids.accounts)),
    findProducts(ctx, actor, present(ids.products)),
  ]);
  return { accounts: new Map(accounts.map((a) => [a.id, a])), products };
}
