import { systemActor } from '../../domain/actors.ts';
import { MIN_CHOSEN_SECRET_LENGTH, displayPrefix, generateApiKeySecret } from '../../domain/api-keys.ts';
import { hashSecret } from '../../domain/secrets.ts';
import { newId } from '../../domain/ids.ts';
import { findApiKeyByHash, hasActiveAdminKey, insertApiKey, restoreAsAdminKey } from '../../store/api-keys.ts';
import type { Db } from '../../store/database.ts';
import { lockStartUp } from '../../store/start-up-lock.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

/**
 * At start: make sure someone can administer the server. With LICENTIA_ADMIN_KEY the key with
 * exactly that secret exists (and is active) afterwards; otherwise, the first start creates an
 * admin key and answers its secret, which the caller prints once.
 */
export async function ensureAdminKey(
  ctx: ServiceContext,
  chosenSecret: string | undefined,
): Promise<{ createdSecret?: string }> {
  if (chosenSecret !== undefined && chosenSecret.length < MIN_CHOSEN_SECRET_LENGTH) {
    throw new Error(`LICENTIA_ADMIN_KEY must be at least ${MIN_CHOSEN_SECRET_LENGTH} characters long.`);
  }
  return inTransaction(ctx, async (tx, at) => {
    await lockStartUp(tx);
    if (chosenSecret !== undefined) {
      await ensureChosenKey(tx, chosenSecret, at);
      return {};
    }
    if (await hasActiveAdminKey(tx)) return {};
    const secret = generateApiKeySecret();
    await insertAdminKey(tx, secret, 'first admin key', at);
    return { createdSecret: secret };
  });
}

async function ensureChosenKey(tx: Db, secret: string, at: string): Promise<void> {
  const hash = hashSecret(secret);
  const existing = await findApiKeyByHash(tx, hash);
  if (!existing) {
    await insertAdminKey(tx, secret, 'LICENTIA_ADMIN_KEY', at);
    return;
  }
  if (existing.role === 'admin' && existing.revokedAt === null) return;
  await restoreAsAdminKey(tx, existing.id);
  await audit(tx, systemActor, at, {
    action: 'api-key.restored',
    subjectType: 'api-key',
    subjectId: existing.id,
    before: existing,
    after: { ...existing, role: 'admin', accountId: null, revokedAt: null },
  });
}

async function insertAdminKey(tx: Db, secret: string, name: string, at: string): Promise<void> {
  const apiKey = await insertApiKey(tx, {
    id: newId('apiKey'),
    name,
    role: 'admin',
    accountId: null,
    prefix: displayPrefix(secret),
    secretHash: hashSecret(secret),
    createdAt: at,
    revokedAt: null,
  });
  await audit(tx, systemActor, at, {
    action: 'api-key.created',
    subjectType: 'api-key',
    subjectId: apiKey.id,
    after: apiKey,
  });
}
