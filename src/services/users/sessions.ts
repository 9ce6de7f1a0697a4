import type { AuthenticatedActor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { generateSecret, hashSecret } from '../../domain/secrets.ts';
import { type User, SESSION_TOUCH_MS, checkPassword, normalizeEmail, sessionExpiry } from '../../domain/users.ts';
import type { Db } from '../../store/database.ts';
import {
  claimSignInLink,
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOfUser,
  findLiveSession,
  findUser,
  findUserCredentials,
  insertSession,
  touchSession,
  updateUserRecord,
} from '../../store/users.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';

/** A signed-in person, as the portal sees them on each request. */
export interface PortalSession {
  sessionId: string;
  method: 'password' | 'link';
  user: User;
  actor: AuthenticatedActor;
  expiresAt: string;
}

/** A new session: `secret` goes into the cookie and is not kept anywhere else. */
export interface NewSession {
  secret: string;
  session: PortalSession;
}

function actorOf(user: User, accountAnonymous: boolean): AuthenticatedActor {
  return { type: 'user', id: user.id, role: user.role, accountId: user.accountId, accountAnonymous };
}

async function startSession(tx: Db, user: User, method: 'password' | 'link', at: string): Promise<NewSession> {
  const secret = generateSecret();
  const sessionId = newId('session');
  const now = new Date(at);
  const expiresAt = sessionExpiry(now, now).toISOString();
  await insertSession(tx, {
    id: sessionId,
    secretHash: hashSecret(secret),
    userId: user.id,
    method,
    at,
    expiresAt,
  });
  // Ended sessions are swept here rather than by a timer: sign-ins are when sessions pile up.
  await deleteExpiredSessions(tx, at);
  const actor = actorOf(user, false);
  await audit(tx, actor, at, {
    action: 'session.created',
    subjectType: 'user',
    subjectId: user.id,
    after: { sessionId, method, expiresAt },
  });
  return { secret, session: { sessionId, method, user, actor, expiresAt } };
}

/**
 * Undefined for a wrong email, a wrong password, a user without one, or a disabled user: the
 * caller cannot tell which, and each takes the time of one scrypt.
 */
export async function signInWithPassword(
  ctx: ServiceContext,
  email: string,
  password: string,
): Promise<NewSession | undefined> {
  const found = await findUserCredentials(ctx.store.db, normalizeEmail(email));
  const usable = found !== undefined && found.passwordHash !== null && found.user.disabledAt === null;
  const matches = await verifyPassword(password, usable ? (found.passwordHash ?? '') : await decoyHash());
  if (!usable || !matches) return undefined;
  return inTransaction(ctx, (tx, at) => startSession(tx, found.user, 'password', at));
}

/** Signs in with a one-use link; undefined when the link is unknown, used, expired, or its user disabled. */
export async function signInWithLink(ctx: ServiceContext, secret: string): Promise<NewSession | undefined> {
  return inTransaction(ctx, async (tx, at) => {
    const userId = await claimSignInLink(tx, hashSecret(secret), at);
    if (!userId) return undefined;
    const user = await findUser(tx, userId);
    if (!user || user.disabledAt !== null) return undefined;
    await audit(tx, actorOf(user, false), at, { action: 'sign-in-link.used', subjectType: 'user', subjectId: user.id });
    return startSession(tx, user, 'link', at);
  });
}

/** The session behind a cookie secret, kept alive by its use. */
export async function authenticateSession(ctx: ServiceContext, secret: string): Promise<PortalSession | undefined> {
  const now = ctx.now();
  const found = await findLiveSession(ctx.store.db, hashSecret(secret), now.toISOString());
  if (!found) return undefined;
  let expiresAt = found.expiresAt;
  if (now.getTime() - Date.parse(found.lastSeenAt) >= SESSION_TOUCH_MS) {
    expiresAt = sessionExpiry(new Date(found.createdAt), now).toISOString();
    // Housekeeping, not a change anyone acts on: no audit event.
    await touchSession(ctx.store.db, found.sessionId, now.toISOString(), expiresAt);
  }
  const { user } = found;
  return {
    sessionId: found.sessionId,
    method: found.method === 'link' ? 'link' : 'password',
    user,
    actor: actorOf(user, found.accountAnonymous),
    expiresAt,
  };
}

export async function signOut(ctx: ServiceContext, session: PortalSession): Promise<void> {
  await inTransaction(ctx, async (tx, at) => {
    if (await deleteSession(tx, session.sessionId)) {
      await audit(tx, session.actor, at, {
        action: 'session.ended',
        subjectType: 'user',
        subjectId: session.user.id,
        before: { sessionId: session.sessionId },
      });
    }
  });
}

export interface SetPasswordInput {
  currentPassword?: string | undefined;
  newPassword: string;
}

/**
 * A user sets their own password. Someone who signed in with a link (a first sign-in, or a
 * forgotten password) needs no current one; otherwise it must be given. Other sessions end.
 */
export async function setOwnPassword(
  ctx: ServiceContext,
  session: PortalSession,
  input: SetPasswordInput,
): Promise<void> {
  checkPassword(input.newPassword, '/newPassword');
  const found = await findUserCredentials(ctx.store.db, session.user.email);
  if (!found) throw new AppError('NOT_FOUND', 'The user no longer exists.');
  const { user, passwordHash: currentHash } = found;
  if (session.method !== 'link' && currentHash !== null) {
    const ok = input.currentPassword !== undefined && (await verifyPassword(input.currentPassword, currentHash));
    if (!ok) {
      throw new AppError('VALIDATION_FAILED', 'The current password is not right.', {
        fields: [{ field: '/currentPassword', message: 'is not right' }],
      });
    }
  }
  const passwordHash = await hashPassword(input.newPassword);
  await inTransaction(ctx, async (tx, at) => {
    await updateUserRecord(tx, user.id, { passwordHash, at });
    await deleteSessionsOfUser(tx, user.id, session.sessionId);
    await audit(tx, session.actor, at, { action: 'user.password-set', subjectType: 'user', subjectId: user.id });
  });
}
