import { type Db, storeOf } from '../../store/database.ts';
import { type NewOutboxMessage, insertOutboxRows } from '../../store/outbox.ts';
import { onCommit } from '../context.ts';
import { wakeDispatcher } from './dispatcher.ts';

/**
 * Puts messages in the outbox, inside the caller's transaction: they exist exactly when the change
 * that caused them commits. Once it has, this process's dispatcher is woken to deliver them; the
 * others find them on their next poll. See `./dispatcher.ts` for how a kind is delivered.
 */
export async function enqueue(tx: Db, ...messages: NewOutboxMessage[]): Promise<string[]> {
  const ids = await insertOutboxRows(tx, messages);
  if (ids.length > 0) {
    const store = storeOf(tx);
    onCommit(tx, () => wakeDispatcher(store));
  }
  return ids;
}
