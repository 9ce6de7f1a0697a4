import type { Config } from '../../config.ts';
import { type WindowCounts, isSpent, secondsUntilAllowed, windowStartOf } from '../../domain/sliding-window.ts';
import { WindowCounter } from '../../domain/window-counter.ts';
import type { Store } from '../../store/database.ts';
import { type CounterDelta, type CounterStore, type CounterTotal, tableCounters } from '../../store/limit-counters.ts';
import { redisCounters } from '../../store/redis-counters.ts';

/**
 * A count per key (an address, an account and address…) with a ceiling over a sliding window
 * (`src/domain/sliding-window.ts`: the same arithmetic on every backend). Both methods are
 * synchronous: they run on every public request, which must not wait for a database.
 */
export interface RateCounter {
  readonly max: number;
  /** Seconds until `key` may count once more; 0 when it may now. */
  retryAfter(key: string, now?: number): number;
  add(key: string, now?: number): void;
}

/** Where the counts are kept: this process's memory, PostgreSQL's `limit_counters`, or Redis. */
export type LimitBackend = 'memory' | 'postgres' | 'redis';

/** Where limits get their counters; `family` keeps the keys of different limits apart. */
export interface RateCounters {
  readonly backend: LimitBackend;
  /** The family's counter, made at its first use: asking again (per request) answers the same one. */
  counter(family: string, max: number, windowMs?: number): RateCounter;
  /** How long sharing the counts with the other servers has been failing, in ms; 0 while it works (and in memory). */
  unsharedForMs(now?: number): number;
  /** Shares the counts not yet shared now (on close, and for tests that play several servers). */
  flush(): Promise<void>;
  /** Shares what is left, then lets go of the shared store. */
  close(): Promise<void>;
}

/**
 * Chooses the backend at start-up: `LICENTIA_LIMIT_COUNTERS` when set; otherwise Redis when
 * `REDIS_URL` is set, the shared table on PostgreSQL (several servers share it, and each limit
 * must hold across them: N servers must not mean N budgets), memory on SQLite (one process).
 */
export function limitBackendOf(store: Store, config: Config): LimitBackend {
  const chosen =
    config.limitCounters ?? (config.redisUrl ? 'redis' : store.dialect === 'postgres' ? 'postgres' : 'memory');
  if (chosen === 'redis' && !config.redisUrl) throw new Error('LICENTIA_LIMIT_COUNTERS=redis needs REDIS_URL');
  if (chosen === 'postgres' && store.dialect !== 'postgres')
    throw new Error('LICENTIA_LIMIT_COUNTERS=postgres needs a PostgreSQL DATABASE_URL');
  return chosen;
}

export function createRateCounters(
  store: Store,
  config: Config,
  log: (message: string, error?: unknown) => void = () => undefined,
): RateCounters {
  const backend = limitBackendOf(store, config);
  if (backend === 'memory') return new LocalRateCounters();
  if (backend === 'postgres') return new SharedRateCounters(tableCounters(store.db), log);
  return new SharedRateCounters(redisCounters({ url: config.redisUrl ?? '', prefix: config.redisKeyPrefix }), log);
}

/**
 * One counter per family, so that a service may ask for its counters where it uses them; a second
 * ask with another limit is a programming error, not a second budget.
 */
class Families {
  readonly #made = new Map<string, { counter: RateCounter; windowMs: number }>();

  counter(family: string, max: number, windowMs: number, make: () => RateCounter): RateCounter {
    const found = this.#made.get(family);
    if (found && (found.counter.max !== max || found.windowMs !== windowMs))
      throw new Error(`the rate counter ${family} exists already with another limit`);
    if (found) return found.counter;
    const counter = make();
    this.#made.set(family, { counter, windowMs });
    return counter;
  }
}

class LocalRateCounters implements RateCounters {
  readonly backend = 'memory';
  readonly #families = new Families();
  counter(family: string, max: number, windowMs = 60_000): RateCounter {
    return this.#families.counter(family, max, windowMs, () => new WindowCounter(max, windowMs));
  }
  unsharedForMs(): number {
    return 0;
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Ceilings up to this are small budgets (failed guesses): each count is shared at once. */
const URGENT_MAX = 1000;
/** Larger ceilings (all public requests) share their counts this often. */
const FLUSH_MS = 200;
/** How long a closing server tries to share its last counts. */
const CLOSE_FLUSH_MS = 2000;

/**
 * Counts kept in this process and added, in batches and never inside a request, to the shared
 * store, whose answer (the totals of every process) is what this process then checks against.
 * A key's count here is the last total seen plus what has not been added yet. A process learns of
 * other processes' counts for a key when it adds its own: with N servers a budget of B answers at
 * most B + N - 1 before every server refuses. While the store is away the counts wait here, and
 * each server enforces what it has seen itself (fail open to per-server limits, never to none).
 */
class SharedRateCounters implements RateCounters {
  readonly backend: LimitBackend;
  readonly #counters: SharedCounter[] = [];
  readonly #families = new Families();
  #flushing = false;
  #again = false;
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastSweep = 0;
  /** When sharing began to fail; undefined while it works. */
  #failingSince: number | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly shared: CounterStore,
    private readonly log: (message: string, error?: unknown) => void = () => undefined,
  ) {
    this.backend = shared.name;
  }

  counter(family: string, max: number, windowMs = 60_000): RateCounter {
    return this.#families.counter(family, max, windowMs, () => {
      const counter = new SharedCounter(family, max, windowMs, (urgent) => this.#schedule(urgent));
      this.#counters.push(counter);
      return counter;
    });
  }

  unsharedForMs(now = Date.now()): number {
    return this.#failingSince === undefined ? 0 : now - this.#failingSince;
  }

  async flush(): Promise<void> {
    while (this.#flushing) await this.#running;
    await this.#flush();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#immediate) clearImmediate(this.#immediate);
    clearTimeout(this.#timer);
    // What this process counted still counts for the others; but a store that is away must not
    // hold up the shutdown.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_FLUSH_MS)))]);
    clearTimeout(timer);
    await this.shared.close();
  }

  #schedule(urgent: boolean): void {
    if (this.#closed) return;
    if (urgent) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        void this.#flush();
      });
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#flush();
      }, FLUSH_MS);
      this.#timer.unref();
    }
  }

  #flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#running ?? Promise.resolve();
    }
    this.#flushing = true;
    this.#running = this.#share();
    return this.#running;
  }

  async #share(): Promise<void> {
    const taken = this.#counters.map((counter) => ({ counter, deltas: counter.takeDeltas() }));
    try {
      const deltas = taken.flatMap((t) => t.deltas);
      if (deltas.length > 0) {
        const totals = await this.shared.add(deltas);
        const byKey = new Map(totals.map((t) => [t.key, t]));
        for (const { counter } of taken) counter.applyTotals(byKey);
      }
      if (this.#failingSince !== undefined) {
        this.#failingSince = undefined;
        this.log(`the limit counts are shared again (${this.shared.name})`);
      }
      const now = Date.now();
      if (now - this.#lastSweep > 60_000) {
        this.#lastSweep = now;
        await this.shared.sweep(now);
      }
    } catch (error) {
      // The store is away: the counts wait here for the next attempt, and meanwhile each
      // server still enforces what it has seen itself.
      for (const { counter } of taken) counter.restoreInFlight();
      if (this.#failingSince === undefined && !this.#closed) {
        this.#failingSince = Date.now();
        this.log(
          `the limit counts cannot be shared (${this.shared.name}): until they can, each server enforces the limits on its own counts`,
          error,
        );
      }
      this.#schedule(false);
    } finally {
      this.#flushing = false;
      if (this.#again) {
        this.#again = false;
        this.#schedule(true);
      }
    }
  }
}

/** Counts of one key, as seen by this process, for its current window and the one before. */
interface Entry {
  start: number;
  /** The totals across processes at the last flush, this process's flushed counts included. */
  known: { previous: number; current: number };
  /** Sent to the store, not yet answered. */
  inFlight: { previous: number; current: number };
  /** Not yet sent. */
  pending: { previous: number; current: number };
}

class SharedCounter implements RateCounter {
  readonly #entries = new Map<string, Entry>();
  readonly #dirty = new Set<string>();
  readonly #inFlight = new Set<string>();

  constructor(
    readonly family: string,
    readonly max: number,
    readonly windowMs: number,
    private readonly schedule: (urgent: boolean) => void,
    readonly maxKeys = 100_000,
  ) {}

  retryAfter(key: string, now = Date.now()): number {
    const entry = this.#entries.get(key);
    return secondsUntilAllowed(entry && this.#counts(entry), now, this.windowMs, this.max);
  }

  add(key: string, now = Date.now()): void {
    let entry = this.#entries.get(key);
    if (!entry) {
      if (this.#entries.size >= this.maxKeys) this.#sweep(now);
      entry = { start: windowStartOf(now, this.windowMs), known: zero(), inFlight: zero(), pending: zero() };
      this.#entries.set(key, entry);
    }
    this.#moveOn(entry, now);
    entry.pending.current += 1;
    this.#dirty.add(key);
    this.schedule(this.max <= URGENT_MAX);
  }

  takeDeltas(): CounterDelta[] {
    const deltas: CounterDelta[] = [];
    for (const key of this.#dirty) {
      const entry = this.#entries.get(key);
      if (!entry || (entry.pending.current === 0 && entry.pending.previous === 0)) continue;
      const { start, pending, inFlight } = entry;
      deltas.push({
        key: this.#fullKey(key),
        windowStart: start,
        windowMs: this.windowMs,
        previous: pending.previous,
        current: pending.current,
      });
      inFlight.previous += pending.previous;
      inFlight.current += pending.current;
      entry.pending = zero();
      this.#inFlight.add(key);
    }
    this.#dirty.clear();
    return deltas;
  }

  applyTotals(totals: Map<string, CounterTotal>): void {
    for (const key of this.#inFlight) {
      const entry = this.#entries.get(key);
      if (!entry) continue;
      entry.inFlight = zero();
      const total = totals.get(this.#fullKey(key));
      if (!total) continue;
      if (total.windowStart === entry.start) {
        entry.known = {
          previous: Math.max(entry.known.previous, total.previous),
          current: Math.max(entry.known.current, total.current),
        };
      } else if (total.windowStart === entry.start - this.windowMs) {
        // This window began while the counts were on their way: their answer is the previous window's.
        entry.known.previous = Math.max(entry.known.previous, total.current);
      } else if (total.windowStart > entry.start) {
        // Another server's clock is ahead: its window is taken, and what waits here counts in it.
        entry.start = total.windowStart;
        entry.known = { previous: total.previous, current: total.current };
      }
    }
    this.#inFlight.clear();
  }

  restoreInFlight(): void {
    for (const key of this.#inFlight) {
      const entry = this.#entries.get(key);
      if (!entry) continue;
      entry.pending.previous += entry.inFlight.previous;
      entry.pending.current += entry.inFlight.current;
      entry.inFlight = zero();
      this.#dirty.add(key);
    }
    this.#inFlight.clear();
  }

  /** The estimate's inputs: what the store last said plus what it has not been told yet. */
  #counts(entry: Entry): WindowCounts {
    const { start, known, inFlight, pending } = entry;
    return {
      start,
      previous: known.previous + inFlight.previous + pending.previous,
      current: known.current + inFlight.current + pending.current,
    };
  }

  /** Moves an entry into `now`'s window: its current counts become the previous window's. */
  #moveOn(entry: Entry, now: number): void {
    const start = windowStartOf(now, this.windowMs);
    if (start <= entry.start) return;
    const adjacent = start === entry.start + this.windowMs;
    entry.start = start;
    entry.known = { previous: adjacent ? entry.known.current : 0, current: 0 };
    entry.inFlight = { previous: adjacent ? entry.inFlight.current : 0, current: 0 };
    entry.pending = { previous: adjacent ? entry.pending.current : 0, current: 0 };
  }

  #fullKey(key: string): string {
    return `${this.family}:${key}`;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries)
      if (isSpent(this.#counts(entry), now, this.windowMs) && !this.#inFlight.has(key)) this.#entries.delete(key);
    while (this.#entries.size >= this.maxKeys) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }
}

function zero(): { previous: number; current: number } {
  return { previous: 0, current: 0 };
}
