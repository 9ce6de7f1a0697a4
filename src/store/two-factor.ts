import type { Db } from './database.ts';

// Two-factor sign-in: secrets, recovery codes and pending second steps. One-time things (a TOTP
// step, a recovery code, a pending sign-in) are claimed by conditional updates, never read-then-write.

export interface StoredTwoFactor {
  userId: string;
  /** Encrypted; only src/services/users/two-factor-secrets.ts reads it. */
  secret: string;
  lastStep: number;
  enabledAt: string;
}

export async function findTwoFactor(db: Db, userId: string): Promise<StoredTwoFactor | undefined> {
  const row = await db.selectFrom('two_factor').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row && { userId: row.user_id, secret: row.secret, lastStep: Number(row.last_step), enabledAt: row.enabled_at };
}

/** False when the user has two-factor sign-in already. */
export async function insertTwoFactor(
  db: Db,
  row: { userId: string; secret: string; lastStep: number; at: string },
): Promise<boolean> {
  const result = await db
    .insertInto('two_factor')
    .values({ user_id: row.userId, secret: row.secret, last_step: row.lastStep, enabled_at: row.at })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** Accepts a TOTP time step once: false when it, or a later one, was accepted already. */
export async function claimStep(db: Db, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('two_factor')
    .set({ last_step: step })
    .where('user_id', '=', userId)
    .where('last_step', '<', step)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function insertRecoveryCodes(db: Db, userId: string, hashes: string[]): Promise<void> {
  await db
    .insertInto('two_factor_recovery_codes')
    .values(hashes.map((code_hash) => ({ code_hash, user_id: userId, used_at: null })))
    .execute();
}

/** Replaces a user's recovery codes: the old ones stop working. */
export async function replaceRecoveryCodes(db: Db, userId: string, hashes: string[]): Promise<void> {
  await db.deleteFrom('two_factor_recovery_codes').where('user_id', '=', userId).execute();
  await insertRecoveryCodes(db, userId, hashes);
}

/** Uses a recovery code once: false when it is unknown, another user's, or used. */
export async function claimRecoveryCode(db: Db, userId: string, hash: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('two_factor_recovery_codes')
    .set({ used_at: at })
    .where('code_hash', '=', hash)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function countUnusedRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('two_factor_recovery_codes')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Removes a user's two-factor sign-in altogether; false when there was none. */
export async function deleteTwoFactor(db: Db, userId: string): Promise<boolean> {
  await db.deleteFrom('two_factor_recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('two_factor_challenges').where('user_id', '=', userId).execute();
  const result = await db.deleteFrom('two_factor').where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

// Pending second steps

export interface Challenge {
  userId: string;
  email: string;
  method: string;
}

export async function insertChallenge(
  db: Db,
  row: { secretHash: string; userId: string; method: string; at: string; expiresAt: string },
): Promise<void> {
  await db.deleteFrom('two_factor_challenges').where('expires_at', '<=', row.at).execute();
  await db
    .insertInto('two_factor_challenges')
    .values({
      secret_hash: row.secretHash,
      user_id: row.userId,
      method: row.method,
      failures: 0,
      created_at: row.at,
      expires_at: row.expiresAt,
    })
    .execute();
}

/** A pending second step that has not expired, nor run out of attempts, of an enabled user. */
export async function findLiveChallenge(
  db: Db,
  secretHash: string,
  now: string,
  maxFailures: number,
): Promise<Challenge | undefined> {
  const row = await db
    .selectFrom('two_factor_challenges')
    .innerJoin('users', 'users.id', 'two_factor_challenges.user_id')
    .select(['two_factor_challenges.user_id', 'two_factor_challenges.method', 'users.email'])
    .where('two_factor_challenges.secret_hash', '=', secretHash)
    .where('two_factor_challenges.expires_at', '>', now)
    .where('two_factor_challenges.failures', '<', maxFailures)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  return row && { userId: row.user_id, email: row.email, method: row.method };
}

/** Counts a wrong code against a pending step; false when it had run out of attempts already. */
export async function countChallengeFailure(db: Db, secretHash: string, maxFailures: number): Promise<boolean> {
  const result = await db
    .updateTable('two_factor_challenges')
    .set((eb) => ({ failures: eb('failures', '+', 1) }))
    .where('secret_hash', '=', secretHash)
    .where('failures', '<', maxFailures)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Ends a pending step once it is passed: false when another request passed it first. */
export async function claimChallenge(db: Db, secretHash: string): Promise<boolean> {
  const result = await db.deleteFrom('two_factor_challenges').where('secret_hash', '=', secretHash).executeTakeFirst();
  return result.numDeletedRows === 1n;
}
