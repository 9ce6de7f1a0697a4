import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import type { User } from '../../domain/users.ts';
import { deleteSessionsOfUser, updateUserRecord } from '../../store/users.ts';
import { requireRole } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { findManagedUser, userManagers } from './user-access.ts';

export interface UpdateUserInput {
  name?: string | undefined;
  /** A disabled user's sessions end at once, and it cannot sign in until enabled again. */
  disabled?: boolean | undefined;
}

export async function updateUser(ctx: ServiceContext, actor: Actor, id: string, input: UpdateUserInput): Promise<User> {
  requireRole(actor, userManagers);
  return inTransaction(ctx, async (tx, at) => {
    const before = await findManagedUser(tx, actor, id);
    if (input.disabled === true && actor.type === 'user' && actor.id === id) {
      throw new AppError('UNPROCESSABLE', 'You cannot disable yourself; ask another admin.');
    }
    const disabledAt =
      input.disabled === undefined ? before.disabledAt : input.disabled ? (before.disabledAt ?? at) : null;
    const name = input.name?.trim() ?? before.name;
    await updateUserRecord(tx, id, { name, disabledAt, at });
    if (disabledAt !== null) await deleteSessionsOfUser(tx, id);
    const after: User = { ...before, name, disabledAt, updatedAt: at };
    await audit(tx, actor, at, { action: 'user.updated', subjectType: 'user', subjectId: id, before, after });
    return after;
  });
}
