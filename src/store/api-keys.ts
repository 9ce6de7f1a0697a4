import type { Role } from '../domain/actors.ts';
import type { ApiKey } from '../domain/api-keys.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import type { Row } from './schema.ts';

function toApiKey(row: Row<'api_keys'>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    accountId: row.account_id,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** Only the hash of the key's secret is kept. */
export async function insertApiKey(db: Db, apiKey: ApiKey & { secretHash: string }): Promise<ApiKey> {
  await db
    .insertInto('api_keys')
    .values({
      id: apiKey.id,
      name: apiKey.name,
      role: apiKey.role,
      account_id: apiKey.accountId,
      prefix: apiKey.prefix,
      secret_hash: apiKey.secretHash,
      created_at: apiKey.createdAt,
      revoked_at: apiKey.revokedAt,
    })
    .execute();
  const { secretHash: _secretHash, ...stored } = apiKey;
  return stored;
}

export async function findApiKey(db: Db, id: string): Promise<ApiKey | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toApiKey(row);
}

export async function findActiveApiKeyByHash(db: Db, secretHash: string): Promise<ApiKey | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('secret_hash', '=', secretHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && toApiKey(row);
}

export async function findApiKeyByHash(db: Db, secretHash: string): Promise<ApiKey | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
  return row && toApiKey(row);
}

export async function hasActiveAdminKey(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Revokes only a key that is not yet revoked; answers whether it did. */
export async function revokeApiKey(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listApiKeys(
  db: Db,
  filter: { role?: Role | undefined; accountId?: string | undefined; revoked?: boolean | undefined },
  page: PageRequest,
): Promise<Page<ApiKey>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('api_keys').selectAll();
  if (filter.role) query = query.where('role', '=', filter.role);
  if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
  if (filter.revoked !== undefined) query = query.where('revoked_at', filter.revoked ? 'is not' : 'is', null);
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toApiKey);
}

export async function restoreAsAdminKey(db: Db, id: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ role: 'admin', account_id: null, revoked_at: null })
    .where('id', '=', id)
    .execute();
}
