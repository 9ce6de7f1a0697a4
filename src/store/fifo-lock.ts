/** A lock handed to waiters in the order they asked, waking only the next one. */
export class FifoLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Takes the lock if nobody holds it, without waiting. */
  tryAcquire(): boolean {
    if (this.#held) return false;
    this.#held = true;
    return true;
  }

  release(): void {
    const next = this.#waiters.shift();
    // Handed straight to the next waiter: the lock never looks free while someone waits.
    if (next) next();
    else this.#held = false;
  }
}
