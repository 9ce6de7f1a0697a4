import type { Actor, Role } from '../../domain/actors.ts';
import type { ApiKey } from '../../domain/api-keys.ts';
import { notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { findApiKey, listApiKeys as listRows } from '../../store/api-keys.ts';
import { requireAdmin } from '../access.ts';
import type { ServiceContext } from '../context.ts';

export interface ApiKeyFilter {
  role?: Role | undefined;
  accountId?: string | undefined;
  revoked?: boolean | undefined;
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
