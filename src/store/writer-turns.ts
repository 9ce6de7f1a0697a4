/** How long the serving thread leaves the write lock to a waiting helper thread before it competes again (one that died). */
const YIELD_AT_MOST_MS = 200;

/**
 * Turns at SQLite's one write lock between the threads of one process that each have a connection
 * to the file: the thread that serves requests and a helper (the webhook thread). SQLite's own
 * busy handler sleeps and retries, and the serving thread's group commits follow each other so
 * closely that a helper retrying from its sleep almost never found the lock free (waits of up to a
 * second under bench:webhooks). Here a helper says it is waiting; the serving thread then starts no
 * new batch until the helper has had its turn, and waits for it without blocking its event loop, so
 * it goes on with requests' other work meanwhile. SQLite's lock still guards the file; these turns
 * only decide who asks for it next. Shared through a SharedArrayBuffer: `[held, helpers waiting]`.
 */
export class WriterTurns {
  readonly buffer: SharedArrayBuffer;
  readonly #state: Int32Array;
  /** A helper goes first; the serving thread gives way to it. */
  readonly #helper: boolean;

  /** Whether this thread is a helper, which holds the lock no longer than its own transaction (see GroupCommit). */
  get helper(): boolean {
    return this.#helper;
  }

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8), role: 'serving' | 'helper' = 'serving') {
    this.buffer = buffer;
    this.#state = new Int32Array(buffer);
    this.#helper = role === 'helper';
  }

  async acquire(): Promise<void> {
    const state = this.#state;
    if (this.#helper) Atomics.add(state, 1, 1);
    try {
      const yieldUntil = Date.now() + YIELD_AT_MOST_MS;
      for (;;) {
        const waiting = Atomics.load(state, 1);
        if (!this.#helper && waiting > 0 && Date.now() < yieldUntil) {
          await waitFor(state, 1, waiting, YIELD_AT_MOST_MS);
          continue;
        }
        if (Atomics.compareExchange(state, 0, 0, 1) === 0) return;
        await waitFor(state, 0, 1, YIELD_AT_MOST_MS);
      }
    } finally {
      if (this.#helper) {
        Atomics.sub(state, 1, 1);
        Atomics.notify(state, 1);
      }
    }
  }

  release(): void {
    Atomics.store(this.#state, 0, 0);
    Atomics.notify(this.#state, 0);
  }
}

/** Waits, without blocking the event loop, until `state[index]` is no longer `value` (or `ms` passed). */
async function waitFor(state: Int32Array, index: number, value: number, ms: number): Promise<void> {
  const wait = Atomics.waitAsync(state, index, value, ms);
  if (wait.async) await wait.value;
}
