import type { Account } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { findAccounts as findRows } from '../../store/accounts.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';

const readers = ['admin', 'operator', 'partner', 'customer'] as const;

/**
 * The accounts among `ids` that the actor may see, by ID, so that a list can name the accounts it
 * shows in one query. An account outside the actor's scope is simply not in the answer.
 */
export async function findAccounts(ctx: ServiceContext, actor: Actor, ids: readonly string[]): Promise<Map<string, Account>> {
  requireRole(actor, readers);
  const accounts = await findRows(ctx.store.db, ids, scopeOf(actor));
  return new Map(accounts.map((a) => [a.id, a]));
}
