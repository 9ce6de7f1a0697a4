import type { Actor, Role } from '../../domain/actors.ts';
import { type ApiKey, displayPrefix, generateApiKeySecret } from '../../domain/api-keys.ts';
import { hashSecret } from '../../domain/secrets.ts';
import { newId } from '../../domain/ids.ts';
import { insertApiKey } from '../../store/api-keys.ts';
import { requireAdmin } from '../access.ts';
import { checkRoleAccount } from '../accounts/role-account.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

export interface CreateApiKeyInput {
  role: Role;
  accountId?: string | null | undefined;
  name?: string | undefined;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** Shown once; only its hash is kept. */
  secret: string;
}

export async function createApiKey(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  requireAdmin(actor);
  return inTransaction(ctx, async (tx, at) => {
    const accountId = (await checkRoleAccount(tx, input.role, input.accountId ?? null, 'key'))?.id ?? null;
    const secret = generateApiKeySecret();
    const apiKey = await insertApiKey(tx, {
      id: newId('apiKey'),
      name: input.name?.trim() || `${input.role} key`,
      role: input.role,
      accountId,
      prefix: displayPrefix(secret),
      secretHash: hashSecret(secret),
      createdAt: at,
      revokedAt: null,
    });
    await audit(tx, actor, at, {
      action: 'api-key.created',
      subjectType: 'api-key',
      subjectId: apiKey.id,
      after: apiKey,
    });
    return { apiKey, secret };
  });
}
