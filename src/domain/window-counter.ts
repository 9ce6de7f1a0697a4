/**
 * Counts per client address in fixed one-minute windows. One Map lookup per request: this runs
 * on every activation and validation, so it is kept simpler than a general rate-limit plugin.
 * Counts are per server process.
 */
export class WindowCounter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max: number,
    readonly windowMs = 60_000,
    readonly maxAddresses = 100_000,
  ) {}

  /** Seconds until the address is under its limit again; 0 when it is under it now. */
  retryAfter(address: string, now = Date.now()): number {
    const window = this.#windows.get(address);
    if (!window || now - window.start >= this.windowMs || window.count < this.max) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  add(address: string, now = Date.now()): void {
    const window = this.#windows.get(address);
    if (window && now - window.start < this.windowMs) {
      window.count += 1;
      return;
    }
    if (this.#windows.size >= this.maxAddresses) this.#sweep(now);
    this.#windows.set(address, { start: now, count: 1 });
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows)
      if (now - window.start >= this.windowMs) this.#windows.delete(address);
    // Still full of live windows: forget the oldest rather than grow without bound.
    while (this.#windows.size >= this.maxAddresses) {
      const oldest = this.#windows.keys().next();
      if (oldest.done) break;
      this.#windows.delete(oldest.value);
    }
  }
}
