import { type WindowCounts, addCount, isSpent, secondsUntilAllowed } from './sliding-window.ts';

/**
 * Counts per key (a client address…) in memory, checked by the sliding estimate of
 * `sliding-window.ts`: the counters of one server process (SQLite, or limits kept local). One Map
 * lookup per request: this runs on every activation and validation.
 */
export class WindowCounter {
  readonly #counts = new Map<string, WindowCounts>();

  constructor(
    readonly max: number,
    readonly windowMs = 60_000,
    readonly maxKeys = 100_000,
  ) {}

  /** Seconds until the key may count once more; 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    return secondsUntilAllowed(this.#counts.get(key), now, this.windowMs, this.max);
  }

  add(key: string, now = Date.now()): void {
    const counts = this.#counts.get(key);
    if (!counts && this.#counts.size >= this.maxKeys) this.#sweep(now);
    this.#counts.set(key, addCount(counts, now, this.windowMs));
  }

  #sweep(now: number): void {
    for (const [key, counts] of this.#counts) if (isSpent(counts, now, this.windowMs)) this.#counts.delete(key);
    // Still full of live counts: forget the oldest rather than grow without bound.
    while (this.#counts.size >= this.maxKeys) {
      const oldest = this.#counts.keys().next();
      if (oldest.done) break;
      this.#counts.delete(oldest.value);
    }
  }
}
