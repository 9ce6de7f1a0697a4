import type { Db } from './database.ts';
import type { Ed25519PublicJwk } from '../licensing/ed25519-jwk.ts';

/**
 * A licence signing key pair. The private half as stored: sealed under the key-encryption key
 * (src/licensing/sealed-key.ts), or PKCS#8 PEM when written before keys were sealed.
 */
export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  publicJwk: Ed25519PublicJwk;
  storedPrivateKey: string;
  createdAt: string;
  retiredAt: string | null;
}

export async function insertSigningKey(db: Db, key: SigningKeyRecord): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      algorithm: key.algorithm,
      public_jwk: JSON.stringify(key.publicJwk),
      private_pkcs8: key.storedPrivateKey,
      created_at: key.createdAt,
      retired_at: key.retiredAt,
    })
    .execute();
}

/** The key new licences are signed with: the newest one not retired. */
export async function findCurrentSigningKey(db: Db): Promise<SigningKeyRecord | undefined> {
  const row = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    row && {
      kid: row.kid,
      algorithm: row.algorithm,
      publicJwk: JSON.parse(row.public_jwk) as Ed25519PublicJwk,
      storedPrivateKey: row.private_pkcs8,
      createdAt: row.created_at,
      retiredAt: row.retired_at,
    }
  );
}

/** Public halves of every key, current or retired, so licences signed before a rotation still verify. */
export async function listPublicSigningKeys(db: Db): Promise<Ed25519PublicJwk[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .select('public_jwk')
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .execute();
  return rows.map((r) => JSON.parse(r.public_jwk) as Ed25519PublicJwk);
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
export async function listUnsealedSigningKeys(db: Db): Promise<{ kid: string; storedPrivateKey: string }[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .select(['kid', 'private_pkcs8'])
    .where('private_pkcs8', 'like', '-----BEGIN%')
    .execute();
  return rows.map((r) => ({ kid: r.kid, storedPrivateKey: r.private_pkcs8 }));
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
