import type { LicenseClaims } from '../../licensing/license-claims.ts';
import type { ActivationStatus } from '../../store/activations.ts';

export type VerifiedToken = { ok: true; claims: LicenseClaims; kid: string } | { ok: false };

/**
 * What validation has already worked out, so that validating the same licence again costs a map
 * lookup instead of an Ed25519 verification and a query.
 *
 * Signatures never change, so verified tokens are kept until the cache is full. Activation
 * statuses do change: every write that changes one evicts it after its commit, and bumps the
 * generation, so that a read which started before the eviction does not put the old status back.
 * Other server processes learn of evictions through the store's change notifications.
 */
export class ValidationCache {
  readonly #maxEntries: number;
  readonly #tokens = new Map<string, VerifiedToken>();
  readonly #statuses = new Map<string, ActivationStatus>();
  #generation = 0;
  #externalWrites: number | undefined;

  constructor(maxEntries = 200_000) {
    this.#maxEntries = maxEntries;
  }

  verified(token: string): VerifiedToken | undefined {
    return this.#tokens.get(token);
  }

  rememberVerified(token: string, result: VerifiedToken): void {
    bounded(this.#tokens, this.#maxEntries);
    this.#tokens.set(token, result);
  }

  status(activationId: string): ActivationStatus | undefined {
    return this.#statuses.get(activationId);
  }

  /** Call before reading a status from the database; pass the answer to `rememberStatus`. */
  generation(): number {
    return this.#generation;
  }

  rememberStatus(activationId: string, status: ActivationStatus, generation: number): void {
    if (generation !== this.#generation) return;
    bounded(this.#statuses, this.#maxEntries);
    this.#statuses.set(activationId, status);
  }

  forgetActivation(activationId: string): void {
    this.#generation++;
    this.#statuses.delete(activationId);
  }

  /** On SQLite, a write by another process (another server, `licentia` commands) empties the cache. */
  noticeExternalWrites(counter: number | undefined): void {
    if (counter === undefined || counter === this.#externalWrites) return;
    if (this.#externalWrites !== undefined) this.forgetAll();
    this.#externalWrites = counter;
  }

  forgetAll(): void {
    this.#generation++;
    this.#statuses.clear();
  }
}

/** Drops the oldest entry when full: insertion order is what a Map iterates in. */
function bounded<K, V>(map: Map<K, V>, max: number): void {
  if (map.size < max) return;
  const oldest = map.keys().next();
  if (!oldest.done) map.delete(oldest.value);
}
