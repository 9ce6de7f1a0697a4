import type { Actor, Role } from '../../domain/actors.ts';
import { isAccountRole } from '../../domain/actors.ts';
import { type ApiKey, displayPrefix, generateApiKeySecret, hashApiKeySecret } from '../../domain/api-keys.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount } from '../../store/accounts.ts';
import { insertApiKey } from '../../store/api-keys.ts';
import type { Db } from '../../store/database.ts';
import { requireAdmin } from '../access.ts';
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

export async function createApiKey(ctx: ServiceContext, actor: Actor, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  requireAdmin(actor);
  return inTransaction(ctx, async (tx, at) => {
    const accountId = await checkKeyAccount(tx, input.role, input.accountId ?? null);
    const secret = generateApiKeySecret();
    const apiKey = await insertApiKey(tx, {
      id: newId('apiKey'),
      name: input.name?.trim() || `${input.role} key`,
      role: input.role,
      account_id: accountId,
      prefix: displayPrefix(secret),
      secret_hash: hashApiKeySecret(secret),
      created_at: at,
      revoked_at: null,
    });
    await audit(tx, actor, at, { action: 'api-key.created', subjectType: 'api-key', subjectId: apiKey.id, after: apiKey });
    return { apiKey, secret };
  });
}

/** Partner and customer keys act for exactly one account of the matching type; producer keys for none. */
export async function checkKeyAccount(tx: Db, role: Role, accountId: string | null): Promise<string | null> {
  if (!isAccountRole(role)) {
    if (accountId !== null) {
      throw new AppError('VALIDATION_FAILED', `An ${role} key acts for the producer and takes no account.`, {
        fields: [{ field: '/accountId', message: `must be absent for role ${role}` }],
      });
    }
    return null;
  }
  if (accountId === null) {
    throw new AppError('VALIDATION_FAILED', `A ${role} key must belong to an account.`, {
      fields: [{ field: '/accountId', message: `required for role ${role}` }],
    });
  }
  const account = await findAccount(tx, accountId);
  if (!account) throw unknownReference('/accountId', `Account ${accountId}`);
  if (account.type !== role) {
    throw new AppError('UNPROCESSABLE', `A ${role} key needs a ${role} account; ${accountId} is a ${account.type}.`, {
      fields: [{ field: '/accountId', message: `must be a ${role} account` }],
    });
  }
  return accountId;
}
