import type { Account } from '../../domain/accounts.ts';
import { type Role, isAccountRole } from '../../domain/actors.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { findAccount } from '../../store/accounts.ts';
import type { Db } from '../../store/database.ts';

/**
 * Partner and customer credentials (API keys, portal users) act for exactly one account of the
 * matching type; producer ones for none. Answers that account, or null for a producer role.
 */
export async function checkRoleAccount(
  tx: Db,
  role: Role,
  accountId: string | null,
  what: string,
): Promise<Account | null> {
  if (!isAccountRole(role)) {
    if (accountId !== null) {
      throw new AppError('VALIDATION_FAILED', `An ${role} ${what} acts for the producer and takes no account.`, {
        fields: [{ field: '/accountId', message: `must be absent for role ${role}` }],
      });
    }
    return null;
  }
  if (accountId === null) {
    throw new AppError('VALIDATION_FAILED', `A ${role} ${what} must belong to an account.`, {
      fields: [{ field: '/accountId', message: `required for role ${role}` }],
    });
  }
  const account = await findAccount(tx, accountId);
  if (!account) throw unknownReference('/accountId', `Account ${accountId}`);
  if (account.type !== role) {
    throw new AppError(
      'UNPROCESSABLE',
      `A ${role} ${what} needs a ${role} account; ${accountId} is a ${account.type}.`,
      {
        fields: [{ field: '/accountId', message: `must be a ${role} account` }],
      },
    );
  }
  return account;
}
