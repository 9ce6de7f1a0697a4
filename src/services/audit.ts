import { type Actor, actorLabel } from '../domain/actors.ts';
import { newId } from '../domain/ids.ts';
import type { Db } from '../store/database.ts';
import { appendEvent } from '../store/events.ts';
import { publishEvent } from './webhooks/publish.ts';

export interface Change {
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
}

/** Appends the audit event of a change; call it inside the transaction that makes the change. */
export async function audit(tx: Db, actor: Actor, at: string, change: Change): Promise<void> {
  const event = {
    id: newId('event'),
    at,
    actor: actorLabel(actor),
    action: change.action,
    subjectType: change.subjectType,
    subjectId: change.subjectId,
    before: change.before ?? null,
    after: change.after ?? null,
  };
  await appendEvent(tx, event);
  // Webhooks of the change, in its transaction (src/services/webhooks/publish.ts).
  await publishEvent(tx, event);
}
