import type { Actor } from '../../domain/actors.ts';
import type { ApiKey } from '../../domain/api-keys.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { findApiKey, revokeApiKey as revokeStoredApiKey } from '../../store/api-keys.ts';
import { requireAdmin } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

export async function revokeApiKey(ctx: ServiceContext, actor: Actor, id: string): Promise<ApiKey> {
  requireAdmin(actor);
  return inTransaction(ctx, async (tx, at) => {
    const before = await findApiKey(tx, id);
    if (!before) throw notFound(`API key ${id}`);
    if (!(await revokeStoredApiKey(tx, id, at)))
      throw new AppError('INVALID_STATE', `API key ${id} is already revoked.`);
    const after: ApiKey = { ...before, revokedAt: at };
    await audit(tx, actor, at, { action: 'api-key.revoked', subjectType: 'api-key', subjectId: id, before, after });
    return after;
  });
}
