import type { Account } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { findAccount, isSameOrDescendant, lockAccountHierarchy, updateAccountRecord } from '../../store/accounts.ts';
import { ownAccountId, requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { checkAccountShape, mayChooseParentAccount } from './create-account.ts';

export interface UpdateAccountInput {
  name?: string | undefined;
  parentAccountId?: string | null | undefined;
}

/** A partner may rename its own customers; only the producer moves accounts in the hierarchy. */
export async function updateAccount(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateAccountInput,
): Promise<Account> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  return inTransaction(ctx, async (tx, at) => {
    const before = await findAccount(tx, id, scopeOf(actor));
    if (!before) throw notFound(`Account ${id}`);
    if (!mayChooseParentAccount(actor)) {
      if (before.parentAccountId === null || before.id === ownAccountId(actor)) {
        throw new AppError('FORBIDDEN', 'A partner may change only the accounts of its own customers.');
      }
      if (input.parentAccountId !== undefined && input.parentAccountId !== before.parentAccountId) {
        throw new AppError('FORBIDDEN', 'Only the producer moves accounts in the hierarchy.', {
          fields: [{ field: '/parentAccountId', message: 'producer only' }],
        });
      }
    }
    const parentAccountId = input.parentAccountId === undefined ? before.parentAccountId : input.parentAccountId;
    if (parentAccountId !== before.parentAccountId) {
      await lockAccountHierarchy(tx);
      await checkAccountShape(tx, before.type, parentAccountId, before.anonymous);
      if (parentAccountId !== null && (await isSameOrDescendant(tx, id, parentAccountId))) {
        throw new AppError('UNPROCESSABLE', 'An account cannot sit below itself.', {
          fields: [{ field: '/parentAccountId', message: 'would make a cycle' }],
        });
      }
    }
    await updateAccountRecord(tx, id, { name: input.name?.trim(), parentAccountId, at });
    const after: Account = { ...before, name: input.name?.trim() ?? before.name, parentAccountId, updatedAt: at };
    await audit(tx, actor, at, { action: 'account.updated', subjectType: 'account', subjectId: id, before, after });
    return after;
  });
}
