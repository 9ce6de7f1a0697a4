import type { Account, AccountFilter, Contact } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { MAX_PAGE_SIZE, type Page, type PageRequest } from '../../domain/paging.ts';
import {
  findAccount,
  findAccounts,
  listAccounts as listRows,
  listContacts as listContactRows,
} from '../../store/accounts.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';

const readers = ['admin', 'operator', 'partner', 'customer'] as const;

export async function getAccount(ctx: ServiceContext, actor: Actor, id: string): Promise<Account> {
  requireRole(actor, readers);
  const account = await findAccount(ctx.store.db, id, scopeOf(actor));
  if (!account) throw notFound(`Account ${id}`);
  return account;
}

/**
 * Several accounts at once, e.g. the parents of a page of accounts: those the actor may not see are
 * left out, as they would be missing from a list.
 */
export async function getAccounts(ctx: ServiceContext, actor: Actor, ids: readonly string[]): Promise<Account[]> {
  requireRole(actor, readers);
  if (ids.length > MAX_PAGE_SIZE) throw new AppError('VALIDATION_FAILED', `At most ${MAX_PAGE_SIZE} accounts at once.`);
  return findAccounts(ctx.store.db, ids, scopeOf(actor));
}

export async function listAccounts(
  ctx: ServiceContext,
  actor: Actor,
  filter: AccountFilter,
  page: PageRequest,
): Promise<Page<Account>> {
  requireRole(actor, readers);
  return listRows(ctx.store.db, scopeOf(actor), filter, page);
}

export async function listContacts(
  ctx: ServiceContext,
  actor: Actor,
  accountId: string,
  page: PageRequest,
): Promise<Page<Contact>> {
  requireRole(actor, readers);
  const account = await findAccount(ctx.store.db, accountId, scopeOf(actor));
  if (!account) throw notFound(`Account ${accountId}`);
  return listContactRows(ctx.store.db, accountId, page);
}
