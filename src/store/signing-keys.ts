import type { Db } from './database.ts';
import type { Row } from './schema.ts';

export type SigningKeyRow = Row<'signing_keys'>;

export async function insertSigningKey(db: Db, row: SigningKeyRow): Promise<void> {
  await db.insertInto('signing_keys').values(row).execute();
}

/** The key new licences are signed with: the newest one not retired. */
export async function findCurrentSigningKey(db: Db): Promise<SigningKeyRow | undefined> {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Public halves of every key, current or retired, so licences signed before a rotation still verify. */
export async function listPublicSigningKeys(
  db: Db,
): Promise<Pick<SigningKeyRow, 'kid' | 'public_jwk' | 'created_at' | 'retired_at'>[]> {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'public_jwk', 'created_at', 'retired_at'])
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .execute();
}

export async function retireSigningKeysExcept(db: Db, kid: string, at: string): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ retired_at: at })
    .where('kid', '!=', kid)
    .where('retired_at', 'is', null)
    .execute();
}

/** Private halves still stored as plain PEM (written before keys were sealed). */
export async function listUnsealedSigningKeys(db: Db): Promise<Pick<SigningKeyRow, 'kid' | 'private_pkcs8'>[]> {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'private_pkcs8'])
    .where('private_pkcs8', 'like', '-----BEGIN%')
    .execute();
}

/** Replaces a key's stored private half, if it is still `from` (another process may have sealed it first). */
export async function replacePrivateKey(db: Db, kid: string, from: string, to: string): Promise<boolean> {
  const result = await db
    .updateTable('signing_keys')
    .set({ private_pkcs8: to })
    .where('kid', '=', kid)
    .where('private_pkcs8', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
