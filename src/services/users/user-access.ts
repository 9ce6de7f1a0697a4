import type { Account } from '../../domain/accounts.ts';
import type { Actor, Role } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import type { User } from '../../domain/users.ts';
import { findAccount } from '../../store/accounts.ts';
import type { Db } from '../../store/database.ts';
import { findUser } from '../../store/users.ts';
import { requireRole, scopeOf } from '../access.ts';

/** Who may manage users: the producer, and partners for their own people and customers. */
export const userManagers = ['admin', 'operator', 'partner'] as const;

/**
 * Whether `actor` may create or manage a user with `role` for `account`. An admin manages anyone;
 * an operator the channel's users (partners and customers), not the producer's own staff; a partner
 * its colleagues and the users of its named customers.
 */
export function checkUserManagement(actor: Actor, role: Role, account: Account | null): void {
  if (account?.anonymous) {
    throw new AppError(
      'UNPROCESSABLE',
      'An anonymous end customer keeps no personal data, so it has no portal users.',
      {
        fields: [{ field: '/accountId', message: 'is an anonymous account' }],
      },
    );
  }
  if (actor.type === 'system') return;
  requireRole(actor, userManagers);
  if (actor.role === 'admin') return;
  if (actor.role === 'operator') {
    if (account === null) throw new AppError('FORBIDDEN', "Only an admin manages the producer's own users.");
    return;
  }
  const partnerId = actor.accountId;
  const own = role === 'partner' && account?.id === partnerId;
  const customer = role === 'customer' && account !== null && account.parentAccountId === partnerId;
  if (!own && !customer)
    throw new AppError('FORBIDDEN', 'A partner manages only its own users and those of its customers.');
}

/** An existing user the actor may see (else 404) and manage (else 403), for changes to it. */
export async function findManagedUser(tx: Db, actor: Actor, id: string): Promise<User> {
  const user = await findUser(tx, id, scopeOf(actor));
  if (!user) throw notFound(`User ${id}`);
  const account = user.accountId === null ? null : ((await findAccount(tx, user.accountId)) ?? null);
  checkUserManagement(actor, user.role, account);
  return user;
}
