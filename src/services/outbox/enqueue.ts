import type { Db } from '../../store/database.ts';
import type { NewOutboxMessage } from '../../store/outbox.ts';
import { enqueueIn } from './dispatcher.ts';

/**
 * Puts messages in the outbox, inside the caller's transaction: they exist exactly when the change
 * that caused them commits. Once it has, this process's dispatcher delivers them (from memory when
 * it wrote them claimed, see `enqueueIn`); the other processes find the rest on their next poll.
 * See `./dispatcher.ts` for how a kind is delivered.
 */
export function enqueue(tx: Db, ...messages: NewOutboxMessage[]): Promise<string[]> {
  return enqueueIn(tx, messages);
}
