import type { AuthenticatedActor } from '../../domain/actors.ts';
import { CHALLENGE_MS } from '../../domain/two-factor.ts';
import { generateSecret, hashSecret } from '../../domain/secrets.ts';
import type { User } from '../../domain/users.ts';
import type { Db } from '../../store/database.ts';
import { findTwoFactor, insertChallenge } from '../../store/two-factor.ts';
import { audit } from '../audit.ts';

/**
 * A sign-in that passed its first step (password or link) and waits for a code. `secret` goes into
 * a short-lived cookie; it grants nothing but the right to send a code for this one sign-in.
 */
export interface PendingSignIn {
  secondStep: { secret: string; expiresAt: string };
}

/** For a user with two-factor sign-in, the pending second step instead of a session; else undefined. */
export async function challengeIfEnrolled(
  tx: Db,
  user: User,
  actor: AuthenticatedActor,
  method: 'password' | 'link',
  at: string,
): Promise<PendingSignIn | undefined> {
  if (!(await findTwoFactor(tx, user.id))) return undefined;
  const secret = generateSecret();
  const expiresAt = new Date(Date.parse(at) + CHALLENGE_MS).toISOString();
  await insertChallenge(tx, { secretHash: hashSecret(secret), userId: user.id, method, at, expiresAt });
  await audit(tx, actor, at, {
    action: 'two-factor.challenged',
    subjectType: 'user',
    subjectId: user.id,
    after: { method, expiresAt },
  });
  return { secondStep: { secret, expiresAt } };
}
