import type { Account, Contact } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount, handOverAccountRecord, insertContact } from '../../store/accounts.ts';
import { isProducer, ownAccountId, requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import type { CreateContactInput } from './create-contact.ts';

export interface HandOverInput {
  name: string;
  contact?: CreateContactInput | undefined;
}

export interface HandedOverAccount extends Account {
  contact: Contact | null;
}

/**
 * An anonymous end customer becomes a named direct customer of the producer, keeping what it owns.
 * Only the partner that serves it knows who it is, so only that partner may hand it over: the
 * producer never de-anonymises an end customer on its own.
 */
export async function handOverAccount(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: HandOverInput,
): Promise<HandedOverAccount> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  if (isProducer(actor)) {
    throw new AppError(
      'FORBIDDEN',
      'Only the partner that serves an anonymous end customer may hand it over; the producer cannot de-anonymise it.',
    );
  }
  const partnerId = ownAccountId(actor);
  return inTransaction(ctx, async (tx, at) => {
    const before = await findAccount(tx, id, scopeOf(actor));
    if (!before) throw notFound(`Account ${id}`);
    if (!before.anonymous || before.parentAccountId !== partnerId || partnerId === null) {
      throw new AppError('INVALID_STATE', `Account ${id} is not an anonymous end customer of yours to hand over.`);
    }
    const name = input.name.trim();
    // The condition re-checks what was read: a hand-over that lost a race finds the account named.
    if (!(await handOverAccountRecord(tx, id, partnerId, { name, at }))) {
      throw new AppError('INVALID_STATE', `Account ${id} was handed over already.`);
    }
    const account: Account = { ...before, name, anonymous: false, parentAccountId: null, updatedAt: at };
    const contact = input.contact
      ? await insertContact(tx, {
          id: newId('contact'),
          accountId: id,
          name: input.contact.name.trim(),
          email: input.contact.email.trim(),
          phone: input.contact.phone ?? null,
          createdAt: at,
          updatedAt: at,
        })
      : null;
    const after: HandedOverAccount = { ...account, contact };
    await audit(tx, actor, at, {
      action: 'account.handed-over',
      subjectType: 'account',
      subjectId: id,
      before,
      after,
    });
    return after;
  });
}
