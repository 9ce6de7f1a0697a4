import type { Actor } from '../../domain/actors.ts';
import { notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import type { User } from '../../domain/users.ts';
import { type UserFilter, findUser, listUsers as listRows } from '../../store/users.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { userManagers } from './user-access.ts';

export async function listUsers(
  ctx: ServiceContext,
  actor: Actor,
  filter: UserFilter,
  page: PageRequest,
): Promise<Page<User>> {
  requireRole(actor, userManagers);
  return listRows(ctx.store.db, scopeOf(actor), filter, page);
}

export async function getUser(ctx: ServiceContext, actor: Actor, id: string): Promise<User> {
  requireRole(actor, userManagers);
  const user = await findUser(ctx.store.db, id, scopeOf(actor));
  if (!user) throw notFound(`User ${id}`);
  return user;
}
