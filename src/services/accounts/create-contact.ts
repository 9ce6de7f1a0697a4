import type { Contact } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount, insertContact } from '../../store/accounts.ts';
import { requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

export interface CreateContactInput {
  name: string;
  email: string;
  phone?: string | null | undefined;
}

export async function createContact(
  ctx: ServiceContext,
  actor: Actor,
  accountId: string,
  input: CreateContactInput,
): Promise<Contact> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  return inTransaction(ctx, async (tx, at) => {
    const account = await findAccount(tx, accountId, scopeOf(actor));
    if (!account) throw notFound(`Account ${accountId}`);
    if (account.anonymous) {
      throw new AppError(
        'UNPROCESSABLE',
        'An anonymous end customer account holds no personal data, so it has no contacts.',
      );
    }
    const contact = await insertContact(tx, {
      id: newId('contact'),
      accountId,
      name: input.name.trim(),
      email: input.email.trim(),
      phone: input.phone ?? null,
      createdAt: at,
      updatedAt: at,
    });
    await audit(tx, actor, at, {
      action: 'contact.created',
      subjectType: 'contact',
      subjectId: contact.id,
      after: contact,
    });
    return contact;
  });
}
