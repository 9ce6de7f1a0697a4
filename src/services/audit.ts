import { type Actor, actorLabel } from '../domain/actors.ts';
import type { AuditEvent } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import type { Db } from '../store/database.ts';
import { appendEvent } from '../store/events.ts';
import { chainedEventsOf } from './transaction-scope.ts';
import { publishEvent } from './webhooks/publish.ts';

export interface Change {
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Appends the audit event of a change; call it inside the transaction that makes the change.
 * Answers the event's ID, for records that refer to it (a line item's versions).
 */
export async function audit(tx: Db, actor: Actor, at: string, change: Change): Promise<string> {
  const event: AuditEvent = {
    id: newId('event'),
    at,
    actor: actorLabel(actor),
    action: change.action,
    subjectType: change.subjectType,
    subjectId: change.subjectId,
    before: change.before ?? null,
    after: change.after ?? null,
  };
  // Chained (`LICENTIA_AUDIT_CHAIN`): in its subject's chain when the transaction commits
  // (transaction-scope.ts); otherwise written now, outside any chain.
  const chained = chainedEventsOf(tx);
  if (chained) chained.push(event);
  else await appendEvent(tx, event);
  // Webhooks of the change: on PostgreSQL written in its transaction, naming the event by its ID
  // (it may take its place in the chain later in the transaction); on SQLite read from the audit
  // log after the commit (src/services/webhooks/publish.ts, `tailsAuditLog`).
  await publishEvent(tx, event);
  return event.id;
}
