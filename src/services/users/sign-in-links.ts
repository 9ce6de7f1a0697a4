import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { actorLabel } from '../../domain/actors.ts';
import { generateSecret, hashSecret } from '../../domain/secrets.ts';
import { SIGN_IN_LINK_MS, type User } from '../../domain/users.ts';
import { insertSignInLink, isSignInLinkUsable } from '../../store/users.ts';
import { requireRole } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { findManagedUser, userManagers } from './user-access.ts';

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
    const user = await findManagedUser(tx, actor, userId);
    if (user.disabledAt !== null) throw new AppError('INVALID_STATE', `User ${userId} is disabled.`);
    const secret = generateSecret();
    const expiresAt = new Date(Date.parse(at) + SIGN_IN_LINK_MS).toISOString();
    await insertSignInLink(tx, {
      secretHash: hashSecret(secret),
      userId: user.id,
      createdBy: actorLabel(actor),
      at,
      expiresAt,
    });
    await audit(tx, actor, at, {
      action: 'sign-in-link.created',
      subjectType: 'user',
      subjectId: user.id,
      after: { expiresAt },
    });
    return { user, secret, expiresAt };
  });
}

export async function signInLinkUsable(ctx: ServiceContext, secret: string): Promise<boolean> {
  return isSignInLinkUsable(ctx.store.db, hashSecret(secret), ctx.now().toISOString());
}
