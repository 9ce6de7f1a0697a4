import type { Db } from './database.ts';
import type { Ed25519PublicJwk } from '../licensing/ed25519-jwk.ts';

/** A licence signing key pair; the private half as PKCS#8 PEM. */
export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  publicJwk: Ed25519PublicJwk;
  privatePkcs8Pem: string;
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
      private_pkcs8: key.privatePkcs8Pem,
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
      privatePkcs8Pem: row.private_pkcs8,
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
