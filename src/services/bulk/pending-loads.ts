import type { Store } from '../../store/database.ts';
import {
  type PendingLoad,
  becomeLoadOwner,
  deleteLoadKeysIn,
  endPendingLoad,
  nextKeySeq,
  ownerIsGone,
  pendingLoads,
  takeOverPendingLoad,
} from '../../store/pending-loads.ts';
import { forgetIdempotencyClaim } from '../../store/web-register-keys.ts';

/** Key positions whose keys one transaction deletes when a pending load is discarded. */
const DELETE_SPAN = 10_000;

/** Lets the requests that came in meanwhile run (and, on SQLite, write) before the next chunk. */
export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Removes what a pending load wrote, a window of key positions per short transaction, then the
 * load itself and its unanswered idempotency claim. Only its owner calls this (the loader when the
 * load fails, or a sweep that took the load over), so no chunk of it is written meanwhile: its
 * keys all lie below the entitlement's next position as read here.
 */
export async function discardPendingLoad(store: Store, load: PendingLoad, owner: string): Promise<void> {
  // A deleted entitlement took its keys with it.
  const end = (await nextKeySeq(store.db, load.entitlementPk)) ?? load.firstSeq;
  for (let from = load.firstSeq; from < end; from += DELETE_SPAN) {
    await store.transaction((tx) => deleteLoadKeysIn(tx, load, from, DELETE_SPAN));
    await yieldToOthers();
  }
  await store.transaction(async (tx) => {
    await endPendingLoad(tx, load.id, owner);
    if (load.idempotency) await forgetIdempotencyClaim(tx, load.idempotency.scope, load.idempotency.key);
  });
}

/**
 * At start: discards the pending loads whose owner is gone (a server killed in the middle of a
 * load). Safe with several servers on one database: a load whose owner still runs is left alone,
 * and a load is taken over by one sweeper only (a conditional update of its owner), which then
 * owns its removal; should that sweeper die too, the next sweep finds its owner gone as well.
 * Answers how many loads were discarded.
 */
export async function sweepAbandonedLoads(store: Store): Promise<number> {
  let swept = 0;
  let me: Awaited<ReturnType<typeof becomeLoadOwner>> | undefined;
  try {
    for (const load of await pendingLoads(store.db)) {
      if (!(await ownerIsGone(store, load.owner))) continue;
      me ??= await becomeLoadOwner(store);
      const owner = me.id;
      if (!(await store.transaction((tx) => takeOverPendingLoad(tx, load.id, load.owner, owner)))) continue;
      await discardPendingLoad(store, load, owner);
      swept++;
    }
  } finally {
    await me?.release();
  }
  return swept;
}

/**
 * The same sweep now and then while serving: on PostgreSQL a server that dies while the others go
 * on serving leaves its pending load to them (its keys hold their codes until swept).
 */
export function sweepAbandonedLoadsEvery(
  store: Store,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepAbandonedLoads(store)
      .catch(onError)
      .finally(() => {
        sweeping = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
