import type { AuditEvent } from '../domain/events.ts';
import type { Db, Store, Tx } from '../store/database.ts';
import { appendChainedEvents } from '../store/events.ts';

/** What one service transaction carries besides its queries, from its start to its commit. */
interface TransactionScope {
  /** Run once the transaction has committed (never if it rolls back). */
  readonly afterCommit: (() => void)[];
  /** With the audit chain on (`config.auditChain`), the transaction's events, chained just before it commits. */
  readonly chainedEvents: AuditEvent[] | undefined;
}

/**
 * The scope of each open transaction, by its handle. Services pass the handle, not the scope;
 * on SQLite the members of one group commit share a handle, one after another, and each member
 * has its own scope for as long as it runs.
 */
const scopes = new WeakMap<object, TransactionScope>();

/**
 * Runs `work` as one transaction of `store` with a scope: audit events chained or not as
 * `auditChain` says, callbacks after commit. Chained events take their places at the end of the
 * work, just before the commit, and nowhere else: taking a place locks the head row of the event's
 * chain (PostgreSQL) until the commit, so every transaction takes chain heads after all its other
 * row locks, in ascending order (appendChainedEvents). A transaction that took a head before a row
 * could deadlock with one that holds the row and reaches the commit (an activation's count and a
 * transfer of its line item did, before); and the head is held for the last statement only.
 */
export async function runTransaction<T>(store: Store, auditChain: boolean, work: (tx: Tx) => Promise<T>): Promise<T> {
  let scope: TransactionScope | undefined;
  const result = await store.transaction(async (tx) => {
    // A retried transaction (PostgreSQL, after a serialization failure) starts a new scope.
    scope = { afterCommit: [], chainedEvents: auditChain ? [] : undefined };
    scopes.set(tx, scope);
    try {
      const answer = await work(tx);
      const pending = scope.chainedEvents;
      if (pending?.length) await appendChainedEvents(tx, pending.splice(0));
      return answer;
    } finally {
      scopes.delete(tx);
    }
  });
  for (const callback of scope?.afterCommit ?? []) callback();
  return result;
}

/**
 * How an audit event of `tx` is written: queued for the chain at the commit, or at once outside
 * any chain. Only a transaction of `runTransaction` knows, so an event written elsewhere is a bug.
 */
export function chainedEventsOf(tx: Db): AuditEvent[] | undefined {
  const scope = scopes.get(tx);
  if (!scope) throw new Error('an audit event written outside a service transaction (inTransaction)');
  return scope.chainedEvents;
}

/**
 * Whether `tx` is a service transaction whose commit `onCommit` waits for. Outside one,
 * `onCommit` runs its callback at once, before any commit: right for a wake-up, wrong for
 * anything that must not happen if the transaction rolls back.
 */
export function commitIsKnown(tx: Db): boolean {
  return scopes.has(tx);
}

/** Runs `callback` once the transaction `tx` has committed (never if it rolls back). */
export function onCommit(tx: Db, callback: () => void): void {
  const scope = scopes.get(tx);
  if (scope) scope.afterCommit.push(callback);
  else callback();
}
