import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { actorLabel } from '../../domain/actors.ts';
import { generateSecret, hashSecret } from '../../domain/secrets.ts';
import { SIGN_IN_LINK_MS, type User } from '../../domain/users.ts';
import { signInLinkMessage } from '../../mail/templates/sign-in-link.ts';
import type { Db } from '../../store/database.ts';
import { insertSignInLink, isSignInLinkUsable } from '../../store/users.ts';
import { requireRole } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { senderOf } from '../mail/mail-links.ts';
import { queueMessage } from '../mail/queue-message.ts';
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
    return { user, ...(await issueSignInLink(tx, actor, at, user)) };
  });
}

/** Makes a link for `user` inside the caller's transaction; only its hash is kept. */
export async function issueSignInLink(
  tx: Db,
  actor: Actor,
  at: string,
  user: User,
): Promise<{ secret: string; expiresAt: string }> {
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
  return { secret, expiresAt };
}

/**
 * Issues a link for `user` and mails it, in the caller's transaction: a welcome for a new user, or
 * the answer to "forgot password". The message keeps no copy of the link once it has left.
 */
export async function mailSignInLink(
  ctx: ServiceContext,
  tx: Db,
  actor: Actor,
  at: string,
  options: { user: User; reason: 'welcome' | 'reset'; linkFor: (secret: string) => string },
): Promise<void> {
  const { user } = options;
  const link = await issueSignInLink(tx, actor, at, user);
  await queueMessage(ctx, tx, at, {
    kind: options.reason === 'welcome' ? 'sign-in-link' : 'password-reset',
    to: user.email,
    partnerAccountId: user.role === 'partner' ? user.accountId : null,
    reference: user.id,
    secret: true,
    content: signInLinkMessage(senderOf(ctx.config), {
      name: user.name,
      url: options.linkFor(link.secret),
      expiresAt: link.expiresAt,
      reason: options.reason,
    }),
  });
}

export async function signInLinkUsable(ctx: ServiceContext, secret: string): Promise<boolean> {
  return isSignInLinkUsable(ctx.store.db, hashSecret(secret), ctx.now().toISOString());
}
