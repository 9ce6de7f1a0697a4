import type { Config } from '../config.ts';
import { type MailTransport, createMailTransport } from '../mail/transport.ts';
import type { Store, Tx } from '../store/database.ts';
import { CatalogCache } from './catalog/catalog-cache.ts';
import { type RateCounters, createRateCounters } from './limits/rate-counters.ts';
import { Dispatcher, dispatcherOptions } from './outbox/dispatcher.ts';
import { KeyRing } from './signing-keys/key-ring.ts';
import { KeyVault } from './signing-keys/key-vault.ts';
import { runTransaction } from './transaction-scope.ts';
import { ValidationCache } from './validation/validation-cache.ts';

export { commitIsKnown, onCommit } from './transaction-scope.ts';

/** What every service call needs besides its actor and input. */
export interface ServiceContext {
  readonly store: Store;
  readonly config: Config;
  now(): Date;
  readonly keyRing: KeyRing;
  /** Seals and opens the signing keys' private halves (the key-encryption key). */
  readonly keyVault: KeyVault;
  readonly validationCache: ValidationCache;
  readonly catalogCache: CatalogCache;
  /** Limit counters: in memory on SQLite, shared by every server on PostgreSQL or Redis. */
  readonly rateCounters: RateCounters;
  /** Where outgoing mail goes: SMTP, or `.eml` files. */
  readonly mail: MailTransport;
  /** Delivers what transactions put in the outbox; started by the server, not by the CLI. */
  readonly outbox: Dispatcher;
  /** Set by `preview`: transactions run, answer, and are rolled back. */
  readonly previewing?: boolean;
}

export function createServiceContext(
  store: Store,
  config: Config,
  now: () => Date = () => new Date(),
  log: (message: string, error?: unknown) => void = () => undefined,
): ServiceContext {
  const keyVault = new KeyVault(config);
  return {
    store,
    config,
    now,
    keyRing: new KeyRing(store, keyVault),
    keyVault,
    validationCache: new ValidationCache(),
    catalogCache: new CatalogCache(),
    rateCounters: createRateCounters(store, config, log),
    mail: createMailTransport(config),
    outbox: new Dispatcher(store, { ...dispatcherOptions(config), log }, now),
  };
}

/**
 * Runs one use case as one transaction. `at` is the single timestamp of the change, so the rows
 * and the audit event written by it agree to the millisecond. Its audit events are chained or not
 * as `ctx.config.auditChain` says (transaction-scope.ts).
 */
export async function inTransaction<T>(ctx: ServiceContext, work: (tx: Tx, at: string) => Promise<T>): Promise<T> {
  try {
    return await runTransaction(ctx.store, ctx.config.auditChain, async (tx) => {
      const answer = await work(tx, ctx.now().toISOString());
      if (ctx.previewing) throw new PreviewRollback(answer);
      return answer;
    });
  } catch (error) {
    if (error instanceof PreviewRollback) return error.answer as T;
    throw error;
  }
}

class PreviewRollback extends Error {
  constructor(readonly answer: unknown) {
    super('preview: rolled back');
  }
}

/**
 * What a use case would answer, without keeping any of it: the service runs as it always does,
 * with every rule and check, inside a transaction that is rolled back. This is how the portal
 * shows "what will change" before a lifecycle operation, without a second copy of its rules.
 */
export async function preview<T>(ctx: ServiceContext, work: (previewCtx: ServiceContext) => Promise<T>): Promise<T> {
  return work({ ...ctx, previewing: true });
}
