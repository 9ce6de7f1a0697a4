import { WindowCounter } from '../../domain/window-counter.ts';
import type { Store } from '../../store/database.ts';
import { type CounterDelta, addToCounters, deleteCountersBefore } from '../../store/limit-counters.ts';

/**
 * A count per key (an address, an account and address…) in fixed windows, with a ceiling. Both
 * methods are synchronous: they run on every public request, which must not wait for a database.
 */
export interface RateCounter {
  readonly max: number;
  /** Seconds until `key` is under its ceiling again; 0 when it is under it now. */
  retryAfter(key: string, now?: number): number;
  add(key: string, now?: number): void;
}

/** Where limits get their counters; `family` keeps the keys of different limits apart. */
export interface RateCounters {
  counter(family: string, max: number, windowMs?: number): RateCounter;
  close(): void;
}

/**
 * SQLite has one server process: its counters live in memory. On PostgreSQL several servers share
 * the database, and each limit must hold across them (N servers must not mean N budgets).
 */
export function createRateCounters(store: Store): RateCounters {
  if (store.dialect !== 'postgres') {
    return { counter: (_family, max, windowMs) => new WindowCounter(max, windowMs), close: () => undefined };
  }
  return new SharedRateCounters(store);
}

/** Ceilings up to this are small budgets (failed guesses): each count is shared at once. */
const URGENT_MAX = 1000;
/** Larger ceilings (all public requests) share their counts this often. */
const FLUSH_MS = 200;

/**
 * Counts kept in this process and added, in batches, to the `limit_counters` table, whose answer
 * (the total of every process) is what this process then checks against. A key's count here is
 * the last total seen plus what has not been added yet. A process learns of other processes'
 * counts for a key when it adds its own: with N servers a budget of B answers at most B + N - 1
 * before every server refuses. Windows are aligned to the clock, so every process agrees on them.
 */
class SharedRateCounters implements RateCounters {
  readonly #counters: SharedCounter[] = [];
  #flushing = false;
  #again = false;
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastCleanup = 0;
  #closed = false;

  constructor(private readonly store: Store) {}

  counter(family: string, max: number, windowMs = 60_000): RateCounter {
    const counter = new SharedCounter(family, max, windowMs, (urgent) => this.schedule(urgent));
    this.#counters.push(counter);
    return counter;
  }

  close(): void {
    this.#closed = true;
    if (this.#immediate) clearImmediate(this.#immediate);
    clearTimeout(this.#timer);
  }

  schedule(urgent: boolean): void {
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

  async #flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return;
    }
    this.#flushing = true;
    const taken = this.#counters.map((counter) => ({ counter, deltas: counter.takeDeltas() }));
    try {
      const deltas = taken.flatMap((t) => t.deltas);
      if (deltas.length > 0) {
        const totals = await addToCounters(this.store.db, deltas);
        const byKey = new Map(totals.map((t) => [t.key, t]));
        for (const { counter } of taken) counter.applyTotals(byKey);
      }
      const now = Date.now();
      if (now - this.#lastCleanup > 60_000) {
        this.#lastCleanup = now;
        await deleteCountersBefore(this.store.db, now - 3_600_000);
      }
    } catch {
      // The database is away: the counts wait here for the next attempt, and meanwhile each
      // server still enforces what it has seen itself.
      for (const { counter } of taken) counter.restoreInFlight();
      this.schedule(false);
    } finally {
      this.#flushing = false;
      if (this.#again) {
        this.#again = false;
        this.schedule(true);
      }
    }
  }
}

interface Entry {
  start: number;
  /** The total across processes at the last flush, this process's flushed counts included. */
  known: number;
  inFlight: number;
  pending: number;
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
    if (!entry || entry.start !== this.#windowOf(now)) return 0;
    if (entry.known + entry.inFlight + entry.pending < this.max) return 0;
    return Math.max(1, Math.ceil((entry.start + this.windowMs - now) / 1000));
  }

  add(key: string, now = Date.now()): void {
    const start = this.#windowOf(now);
    let entry = this.#entries.get(key);
    if (!entry || entry.start < start) {
      if (!entry && this.#entries.size >= this.maxKeys) this.#sweep(start);
      entry = { start, known: 0, inFlight: 0, pending: 0 };
      this.#entries.set(key, entry);
    }
    entry.pending += 1;
    this.#dirty.add(key);
    this.schedule(this.max <= URGENT_MAX);
  }

  takeDeltas(): CounterDelta[] {
    const deltas: CounterDelta[] = [];
    for (const key of this.#dirty) {
      const entry = this.#entries.get(key);
      if (!entry || entry.pending === 0) continue;
      deltas.push({ key: this.#fullKey(key), windowStart: entry.start, delta: entry.pending });
      entry.inFlight += entry.pending;
      entry.pending = 0;
      this.#inFlight.add(key);
    }
    this.#dirty.clear();
    return deltas;
  }

  applyTotals(totals: Map<string, { windowStart: number; count: number }>): void {
    for (const key of this.#inFlight) {
      const entry = this.#entries.get(key);
      if (!entry) continue;
      entry.inFlight = 0;
      const total = totals.get(this.#fullKey(key));
      if (!total || total.windowStart < entry.start) continue;
      if (total.windowStart > entry.start) {
        entry.start = total.windowStart;
        entry.known = total.count;
      } else entry.known = Math.max(entry.known, total.count);
    }
    this.#inFlight.clear();
  }

  restoreInFlight(): void {
    for (const key of this.#inFlight) {
      const entry = this.#entries.get(key);
      if (!entry) continue;
      entry.pending += entry.inFlight;
      entry.inFlight = 0;
      this.#dirty.add(key);
    }
    this.#inFlight.clear();
  }

  #fullKey(key: string): string {
    return `${this.family}:${key}`;
  }

  #windowOf(now: number): number {
    return Math.floor(now / this.windowMs) * this.windowMs;
  }

  #sweep(current: number): void {
    for (const [key, entry] of this.#entries) if (entry.start < current) this.#entries.delete(key);
    while (this.#entries.size >= this.maxKeys) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }
}
