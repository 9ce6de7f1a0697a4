import type { Actor, Role } from '../../domain/actors.ts';
import { unknownReference } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { type User, checkPassword, normalizeEmail } from '../../domain/users.ts';
import { findAccount } from '../../store/accounts.ts';
import { insertUser } from '../../store/users.ts';
import { isProducer, requireRole, scopeOf } from '../access.ts';
import { checkRoleAccount } from '../accounts/role-account.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import { hashPassword } from './passwords.ts';
import { mailSignInLink } from './sign-in-links.ts';
import { checkUserManagement, userManagers } from './user-access.ts';

export interface CreateUserInput {
  email: string;
  name: string;
  role: Role;
  accountId?: string | null | undefined;
  /** Left out, the user signs in first with a sign-in link and may set one then. */
  password?: string | undefined;
}

export interface CreateUserOptions {
  /**
   * The sign-in link URL for a secret. Given, a user made without a password is mailed a first
   * sign-in link in the same transaction; left out (the command line prints one), nothing is mailed.
   */
  linkFor?: ((secret: string) => string) | undefined;
}

export async function createUser(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateUserInput,
  options: CreateUserOptions = {},
): Promise<User> {
  if (input.password !== undefined) checkPassword(input.password);
  // Hashing takes a while; done before the transaction so that it holds no lock meanwhile.
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  requireRole(actor, userManagers);
  return inTransaction(ctx, async (tx, at) => {
    // An account the caller cannot see is as unknown to it as one that does not exist.
    if (input.accountId && !isProducer(actor) && !(await findAccount(tx, input.accountId, scopeOf(actor)))) {
      throw unknownReference('/accountId', `Account ${input.accountId}`);
    }
    const account = await checkRoleAccount(tx, input.role, input.accountId ?? null, 'user');
    checkUserManagement(actor, input.role, account);
    const email = normalizeEmail(input.email);
    const user = await unlessDuplicate(
      insertUser(tx, {
        id: newId('user'),
        email,
        name: input.name.trim(),
        role: input.role,
        accountId: account?.id ?? null,
        passwordHash,
        createdAt: at,
        updatedAt: at,
        disabledAt: null,
      }),
      `A user with the email ${email} already exists.`,
      '/email',
    );
    await audit(tx, actor, at, { action: 'user.created', subjectType: 'user', subjectId: user.id, after: user });
    if (!user.hasPassword && options.linkFor)
      await mailSignInLink(ctx, tx, actor, at, { user, reason: 'welcome', linkFor: options.linkFor });
    return user;
  });
}
