import type { Actor, Role } from '../../domain/actors.ts';
import type { ApiKey } from '../../domain/api-keys.ts';
import { notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { findApiKey, listApiKeys as listRows } from '../../store/api-keys.ts';
import { hasRole, requireAdmin } from '../access.ts';
import type { ServiceContext } from '../context.ts';

export interface ApiKeyFilter {
  role?: Role | undefined;
  accountId?: string | undefined;
  revoked?: boolean | undefined;
}

/** Whether to offer this person the API keys (the menu entry): managing them is the admins'. */
export function mayManageApiKeys(actor: Actor): boolean {
  return hasRole(actor, ['admin']);
}

export async function listApiKeys(
  ctx: ServiceContext,
  actor: Actor,
  filter: ApiKeyFilter,
  page: PageRequest,
): Promise<Page<ApiKey>> {
  requireAdmin(actor);
  return listRows(ctx.store.db, filter, page);
}

export async function getApiKey(ctx: ServiceContext, actor: Actor, id: string): Promise<ApiKey> {
  requireAdmin(actor);
  const key = await findApiKey(ctx.store.db, id);
  if (!key) throw notFound(`API key ${id}`);
  return key;
}
