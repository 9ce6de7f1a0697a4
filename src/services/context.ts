import type { Config } from '../config.ts';
import type { Store, Tx } from '../store/database.ts';

/** What every service call needs besides its actor and input. */
export interface ServiceContext {
  readonly store: Store;
  readonly config: Config;
  now(): Date;
}

/**
 * Runs one use case as one transaction. `at` is the single timestamp of the change, so the rows
 * and the audit event written by it agree to the millisecond.
 */
export function inTransaction<T>(ctx: ServiceContext, work: (tx: Tx, at: string) => Promise<T>): Promise<T> {
  return ctx.store.transaction((tx) => work(tx, ctx.now().toISOString()));
}
