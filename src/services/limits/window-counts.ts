/**
 * Counts keyed by strings (a client address, an address and an account, a route family) in fixed
 * windows. Callers see only this interface, so the counts can live in this process
 * (`WindowCounter`) or be shared by every server process behind a load balancer.
 */
export interface WindowCounts {
  readonly max: number;
  /** Seconds until `key` is under its limit again; 0 when it is under it now. */
  retryAfter(key: string, now?: number): number | Promise<number>;
  add(key: string, now?: number): void | Promise<void>;
}

/** Makes the named counts of one limit; a name is unique per limit (`sign-in.account`, …). */
export type WindowCountsSource = (name: string, max: number, windowMs: number) => WindowCounts;

/** Counts in this process, the default: one server process, or limits that need not be exact across them. */
export const inProcessCounts: WindowCountsSource = (_name, max, windowMs) => new WindowCounter(max, windowMs);

/**
 * Counts per key in fixed windows. One Map lookup per request: this runs on every activation and
 * validation, so it is kept simpler than a general rate-limit plugin.
 */
export class WindowCounter implements WindowCounts {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max: number,
    readonly windowMs = 60_000,
    readonly maxKeys = 100_000,
  ) {}

  retryAfter(key: string, now = Date.now()): number {
    const window = this.#windows.get(key);
    if (!window || now - window.start >= this.windowMs || window.count < this.max) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  add(key: string, now = Date.now()): void {
    const window = this.#windows.get(key);
    if (window && now - window.start < this.windowMs) {
      window.count += 1;
      return;
    }
    if (this.#windows.size >= this.maxKeys) this.#sweep(now);
    this.#windows.set(key, { start: now, count: 1 });
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (now - window.start >= this.windowMs) this.#windows.delete(key);
    // Still full of live windows: forget the oldest rather than grow without bound.
    while (this.#windows.size >= this.maxKeys) {
      const oldest = this.#windows.keys().next();
      if (oldest.done) break;
      this.#windows.delete(oldest.value);
    }
  }
}
