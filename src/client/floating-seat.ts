import { LicentiaError } from './errors.ts';
import type { LicentiaClient } from './licentia-client.ts';
import type { Lease, LeaseInput } from './types.ts';

export interface FloatingSeatOptions {
  /**
   * The seat is gone: the server refused a heartbeat (the lease was released, expired or revoked
   * there), or no heartbeat got through before the lease ran out. The application should stop
   * using the floating feature. Exceptions thrown here are not caught.
   */
  onLost?: (error: LicentiaError) => void;
  /** A heartbeat failed and will be retried (network trouble, 429, 5xx). */
  onError?: (error: LicentiaError) => void;
  /** Instead of a third of the lease's time to live. */
  heartbeatIntervalMs?: number;
}

export type SeatState = 'held' | 'lost' | 'closed';

/**
 * A heartbeat every third of the lease's time to live, so two can fail before the lease runs out.
 * Never more often than once a second, whatever a misconfigured server answers.
 */
export function heartbeatDelayMs(ttlSeconds: number, overrideMs?: number): number {
  return overrideMs ?? Math.max(1000, Math.floor((ttlSeconds * 1000) / 3));
}

/** Statuses after which retrying cannot bring the seat back. */
const FINAL_STATUSES = new Set([400, 401, 403, 404, 409, 410, 422]);

/**
 * A floating seat kept alive in the background until `close()`. Deadlines run on the monotonic
 * clock from the lease's time to live, so a device whose wall clock is wrong still keeps its seat.
 */
export class FloatingSeat {
  readonly #client: LicentiaClient;
  readonly #fingerprint: string;
  readonly #options: FloatingSeatOptions;
  readonly #aborter = new AbortController();
  #lease: Lease;
  #state: SeatState = 'held';
  #deadline = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  static async checkout(
    client: LicentiaClient,
    input: LeaseInput,
    options: FloatingSeatOptions = {},
  ): Promise<FloatingSeat> {
    return new FloatingSeat(client, input.fingerprint, await client.checkoutLease(input), options);
  }

  private constructor(client: LicentiaClient, fingerprint: string, lease: Lease, options: FloatingSeatOptions) {
    this.#client = client;
    this.#fingerprint = fingerprint;
    this.#options = options;
    this.#lease = lease;
    this.#renewed(lease);
  }

  get lease(): Lease {
    return this.#lease;
  }

  get state(): SeatState {
    return this.#state;
  }

  /** Aborted once the seat is lost or closed: hand it to work that must stop with the seat. */
  get signal(): AbortSignal {
    return this.#aborter.signal;
  }

  /** Stops heartbeating and gives the seat back. A seat the server no longer holds counts as given back. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasHeld = this.#state === 'held';
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#aborter.abort(new Error('the floating seat was closed'));
    await this.#inFlight;
    if (!wasHeld) return;
    try {
      await this.#client.release(this.#lease.id, this.#fingerprint);
    } catch (error) {
      if (error instanceof LicentiaError && FINAL_STATUSES.has(error.status)) return;
      throw error;
    }
  }

  #renewed(lease: Lease): void {
    this.#lease = lease;
    this.#deadline = performance.now() + lease.ttlSeconds * 1000;
    this.#schedule(heartbeatDelayMs(lease.ttlSeconds, this.#options.heartbeatIntervalMs));
  }

  #schedule(delayMs: number): void {
    // Background upkeep must not keep a finished process alive.
    this.#timer = setTimeout(() => {
      this.#inFlight = this.#beat().finally(() => {
        this.#inFlight = undefined;
      });
    }, delayMs).unref();
  }

  async #beat(): Promise<void> {
    if (this.#state !== 'held') return;
    let lease: Lease;
    try {
      lease = await this.#client.heartbeat(this.#lease.id, this.#fingerprint);
    } catch (caught) {
      if (this.#state !== 'held') return;
      const error =
        caught instanceof LicentiaError
          ? caught
          : new LicentiaError({ status: 0, code: 'NETWORK_ERROR', detail: String(caught), cause: caught });
      const left = this.#deadline - performance.now();
      if (FINAL_STATUSES.has(error.status) || left <= 0) return this.#lose(error);
      this.#options.onError?.(error);
      const wait =
        error.retryAfter !== undefined
          ? error.retryAfter * 1000
          : Math.max(1000, heartbeatDelayMs(this.#lease.ttlSeconds, this.#options.heartbeatIntervalMs) / 4);
      // One last try when the lease is about to run out, rather than giving up early.
      this.#schedule(Math.max(0, Math.min(wait, left - 1)));
      return;
    }
    if (this.#state === 'held') this.#renewed(lease);
  }

  #lose(error: LicentiaError): void {
    this.#state = 'lost';
    this.#aborter.abort(error);
    this.#options.onLost?.(error);
  }
}
