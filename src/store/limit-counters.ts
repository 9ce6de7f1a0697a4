import { sql } from 'kysely';
import type { Db } from './database.ts';

/**
 * What one process adds to a shared counter: its counts not yet shared, of the counter's current
 * window (`windowStart`) and of the window before it (counted just before the window turned).
 */
export interface CounterDelta {
  key: string;
  windowStart: number;
  windowMs: number;
  previous: number;
  current: number;
}

/** A counter's totals across every process after the deltas were added. */
export interface CounterTotal {
  key: string;
  windowStart: number;
  previous: number;
  current: number;
}

/** Where the shared limit counters live: the `limit_counters` table, or Redis (`redis-counters.ts`). */
export interface CounterStore {
  readonly name: 'postgres' | 'redis';
  /** Adds the deltas (one per key) at once and answers every key's totals after them. */
  add(deltas: readonly CounterDelta[]): Promise<CounterTotal[]>;
  /** Forgets counters that weigh nothing any more at `now`. */
  sweep(now: number): Promise<void>;
  close(): Promise<void>;
}

/** The counters in PostgreSQL's `limit_counters`, one row per key: its current and previous window. */
export function tableCounters(db: Db): CounterStore {
  return {
    name: 'postgres',
    add: (deltas) => addToCounters(db, deltas),
    sweep: (now) => deleteSpentCounters(db, now),
    close: async () => undefined,
  };
}

/**
 * One statement for every delta. The row's window moves on when a delta of a later window comes:
 * its count becomes the previous window's when the window is the next one, and both start again
 * when more time has passed. A delta from a server whose clock is one window behind adds to the
 * row's previous window; anything older is added to nothing.
 */
export async function addToCounters(db: Db, deltas: readonly CounterDelta[]): Promise<CounterTotal[]> {
  if (deltas.length === 0) return [];
  const values = sql.join(
    deltas.map(
      (d) =>
        sql`(${d.key}, ${d.windowStart}::bigint, ${d.windowMs}::bigint, ${d.previous}::integer, ${d.current}::integer)`,
    ),
  );
  const result = await sql<{ key: string; window_start: number; previous_count: number; count: number }>`
    insert into limit_counters as c (key, window_start, window_ms, previous_count, count) values ${values}
    on conflict (key) do update set
      previous_count = case
        when c.window_start = excluded.window_start then c.previous_count + excluded.previous_count
        when c.window_start = excluded.window_start - excluded.window_ms then c.count + excluded.previous_count
        when c.window_start = excluded.window_start + excluded.window_ms then c.previous_count + excluded.count
        when c.window_start > excluded.window_start then c.previous_count
        else excluded.previous_count end,
      count = case
        when c.window_start = excluded.window_start then c.count + excluded.count
        when c.window_start > excluded.window_start then c.count
        else excluded.count end,
      window_start = greatest(c.window_start, excluded.window_start),
      window_ms = excluded.window_ms
    returning key, window_start, previous_count, count`.execute(db);
  return result.rows.map((r) => ({
    key: r.key,
    windowStart: Number(r.window_start),
    previous: Number(r.previous_count),
    current: Number(r.count),
  }));
}

/** Forgets counters whose current window and the one after it are over. */
export async function deleteSpentCounters(db: Db, now: number): Promise<void> {
  await db.deleteFrom('limit_counters').where(sql<number>`window_start + 2 * window_ms`, '<=', now).execute();
}
