import { type Actor, actorLabel } from '../domain/actors.ts';
import { newId } from '../domain/ids.ts';
import type { AuditEvent } from '../domain/events.ts';
import type { Db } from '../store/database.ts';
import { appendEvent } from '../store/events.ts';

export interface Change {
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
}

const deferred = new WeakMap<object, AuditEvent[]>();

/**
 * Inside `inTransaction`, events are chained at the end of the transaction's work, just before it
 * commits: taking a place in the chain locks its head row (PostgreSQL) until the commit, so the
 * lock is held for the last statements only, not for the whole use case.
 */
export function deferAuditEvents(tx: Db): void {
  deferred.set(tx, []);
}

export async function appendDeferredAuditEvents(tx: Db): Promise<void> {
  const events = deferred.get(tx) ?? [];
  deferred.delete(tx);
  for (const event of events) await appendEvent(tx, event);
}

/** Appends the audit event of a change; call it inside the transaction that makes the change. */
export async function audit(tx: Db, actor: Actor, at: string, change: Change): Promise<void> {
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
  const queue = deferred.get(tx);
  if (queue) queue.push(event);
  else await appendEvent(tx, event);
}
