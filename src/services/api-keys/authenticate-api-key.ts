import type { AuthenticatedActor } from '../../domain/actors.ts';
import { hashSecret } from '../../domain/secrets.ts';
import { findAccount } from '../../store/accounts.ts';
import { findActiveApiKeyByHash } from '../../store/api-keys.ts';
import type { ServiceContext } from '../context.ts';

/** The actor behind a bearer secret, or undefined when the secret is unknown or revoked. */
export async function authenticateApiKey(ctx: ServiceContext, secret: string): Promise<AuthenticatedActor | undefined> {
  const key = await findActiveApiKeyByHash(ctx.store.db, hashSecret(secret));
  if (!key) return undefined;
  const account = key.accountId ? await findAccount(ctx.store.db, key.accountId) : undefined;
  return {
    type: 'api-key',
    id: key.id,
    role: key.role,
    accountId: key.accountId,
    accountAnonymous: account?.anonymous ?? false,
  };
}
