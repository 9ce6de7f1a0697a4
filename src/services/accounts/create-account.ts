import type { Account, AccountType } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount, insertAccount } from '../../store/accounts.ts';
import type { Db } from '../../store/database.ts';
import { isProducer, ownAccountId, requireRole } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

export interface CreateAccountInput {
  name: string;
  type: AccountType;
  parentAccountId?: string | null | undefined;
  anonymous?: boolean | undefined;
}

/**
 * Whether this person places accounts in the hierarchy (chooses a new account's parent, moves one):
 * the producer's. A partner's new accounts go below itself, and stay where they are.
 */
export function mayChooseParentAccount(actor: Actor): boolean {
  return isProducer(actor);
}

/**
 * The producer creates any account. A partner creates its own customers, below itself; that is
 * how it registers an end customer the producer never learns more about than a name.
 */
export async function createAccount(ctx: ServiceContext, actor: Actor, input: CreateAccountInput): Promise<Account> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  return inTransaction(ctx, async (tx, at) => {
    const parentAccountId = mayChooseParentAccount(actor)
      ? (input.parentAccountId ?? null)
      : partnerParent(actor, input);
    await checkAccountShape(tx, input.type, parentAccountId, input.anonymous ?? false);
    const account = await insertAnonymousOrNamedAccount(tx, actor, at, {
      name: input.name,
      type: input.type,
      parentAccountId,
      anonymous: input.anonymous ?? false,
    });
    return account;
  });
}

/** Inserts the account and its audit event; shared with redemption, which makes anonymous accounts. */
export async function insertAnonymousOrNamedAccount(
  tx: Db,
  actor: Actor,
  at: string,
  input: { name: string; type: AccountType; parentAccountId: string | null; anonymous: boolean },
): Promise<Account> {
  const account = await insertAccount(tx, {
    id: newId('account'),
    name: input.name.trim(),
    type: input.type,
    parentAccountId: input.parentAccountId,
    anonymous: input.anonymous,
    createdAt: at,
    updatedAt: at,
  });
  await audit(tx, actor, at, {
    action: 'account.created',
    subjectType: 'account',
    subjectId: account.id,
    after: account,
  });
  return account;
}

function partnerParent(actor: Actor, input: CreateAccountInput): string {
  const own = ownAccountId(actor);
  if (own === null) throw new AppError('FORBIDDEN', 'A partner credential must belong to an account.');
  if (input.type !== 'customer') {
    throw new AppError('FORBIDDEN', 'A partner may create customer accounts only.', {
      fields: [{ field: '/type', message: 'partners create customer accounts' }],
    });
  }
  if (input.parentAccountId != null && input.parentAccountId !== own) {
    throw new AppError('FORBIDDEN', 'A partner creates accounts below its own account only.', {
      fields: [{ field: '/parentAccountId', message: 'must be your own account' }],
    });
  }
  return own;
}

/** An anonymous account is an end customer that belongs to a partner and nothing more. */
export async function checkAccountShape(
  tx: Db,
  type: AccountType,
  parentAccountId: string | null,
  anonymous: boolean,
): Promise<void> {
  const parent = parentAccountId === null ? undefined : await findAccount(tx, parentAccountId);
  if (parentAccountId !== null && !parent) throw unknownReference('/parentAccountId', `Account ${parentAccountId}`);
  if (parent?.anonymous) {
    throw new AppError('UNPROCESSABLE', 'An anonymous end customer account cannot have child accounts.', {
      fields: [{ field: '/parentAccountId', message: 'is anonymous' }],
    });
  }
  if (!anonymous) return;
  if (type !== 'customer') {
    throw new AppError('UNPROCESSABLE', 'Only customer accounts can be anonymous.', {
      fields: [{ field: '/anonymous', message: 'only for type customer' }],
    });
  }
  if (parent?.type !== 'partner') {
    throw new AppError('UNPROCESSABLE', 'An anonymous end customer belongs to the partner that serves it.', {
      fields: [{ field: '/parentAccountId', message: 'must be a partner account' }],
    });
  }
}
