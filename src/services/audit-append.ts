import type { AuditEvent } from '../domain/events.ts';
import { type Db, type Store, storeOf } from '../store/database.ts';
import { appendEvent } from '../store/events.ts';

/**
 * Where an audit event is written, chained or not. Apart from `audit.ts` so that `context.ts`
 * can start and finish a transaction's events without importing what `audit()` publishes to.
 *
 * Stores whose events are hash-chained (`LICENTIA_AUDIT_CHAIN`). Off by default: on PostgreSQL the
 * chain's head row lock serialises every audited transaction (docs/security.md has the cost).
 */
const chainedStores = new WeakSet<Store>();

export function chainAuditEvents(store: Store, on: boolean): void {
  if (on) chainedStores.add(store);
  else chainedStores.delete(store);
}

const deferred = new WeakMap<object, AuditEvent[]>();

/**
 * Inside `inTransaction`, chained events take their place at the end of the transaction's work,
 * just before it commits: taking a place locks the chain's head row (PostgreSQL) until the
 * commit, so the lock is held for the last statements only, not for the whole use case.
 */
export function deferAuditEvents(tx: Db): void {
  if (chainedStores.has(storeOf(tx))) deferred.set(tx, []);
}

export async function appendDeferredAuditEvents(tx: Db): Promise<void> {
  const events = deferred.get(tx);
  if (!events) return;
  deferred.delete(tx);
  for (const event of events) await appendEvent(tx, event, true);
}

/** Writes the event now, or, in a transaction whose events are deferred, at its end. */
export async function recordAuditEvent(tx: Db, event: AuditEvent): Promise<void> {
  const queue = deferred.get(tx);
  if (queue) queue.push(event);
  else await appendEvent(tx, event, chainedStores.has(storeOf(tx)));
}
