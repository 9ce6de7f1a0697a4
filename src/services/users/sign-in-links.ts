import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { actorLabel } from '../../domain/actors.ts';
import { SIGN_IN_LINK_MS, type User, generateSecret, hashSecret } from '../../domain/users.ts';
import { findAccount } from '../../store/accounts.ts';
import { findUser, insertSignInLink, isSignInLinkUsable } from '../../store/users.ts';
import { requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { checkUserManagement, userManagers } from './user-access.ts';

export interface CreatedSignInLink {
  user: User;
  /** Goes into the link's URL; only its hash is kept. */
  secret: string;
  expiresAt: string;
}

/** A one-use link that signs `userId` in, for the producer or a partner to send by mail. */
export async function createSignInLink(ctx: ServiceContext, actor: Actor, userId: string): Promise<CreatedSignInLink> {
  requireRole(actor, userManagers);
  return inTransaction(ctx, async (tx, at) => {
    const user = actor.type === 'system' ? await findUser(tx, userId) : await findUser(tx, userId, scopeOf(actor));
    if (!user) throw notFound(`User ${userId}`);
    const account = user.accountId === null ? null : ((await findAccount(tx, user.accountId)) ?? null);
    checkUserManagement(actor, user.role, account);
    if (user.disabledAt !== null) throw new AppError('INVALID_STATE', `User ${userId} is disabled.`);
    const secret = generateSecret();
    const expiresAt = new Date(Date.parse(at) + SIGN_IN_LINK_MS).toISOString();
    await insertSignInLink(tx, { secret_hash: hashSecret(secret), user_id: user.id, created_by: actorLabel(actor), created_at: at, expires_at: expiresAt, used_at: null });
    await audit(tx, actor, at, { action: 'sign-in-link.created', subjectType: 'user', subjectId: user.id, after: { expiresAt } });
    return { user, secret, expiresAt };
  });
}

export async function signInLinkUsable(ctx: ServiceContext, secret: string): Promise<boolean> {
  return isSignInLinkUsable(ctx.store.db, hashSecret(secret), ctx.now().toISOString());
}
