import { sql } from 'kysely';
import type { Db } from './database.ts';

export interface CounterDelta {
  key: string;
  windowStart: number;
  delta: number;
}

export interface CounterTotal {
  key: string;
  windowStart: number;
  count: number;
}

/**
 * Adds each delta to its counter in one statement and answers the totals after it, across every
 * process: a counter of an older window starts again, and a delta for a window older than the
 * stored one (a server whose clock is behind) is added to nothing.
 */
export async function addToCounters(db: Db, deltas: readonly CounterDelta[]): Promise<CounterTotal[]> {
  if (deltas.length === 0) return [];
  const values = sql.join(deltas.map((d) => sql`(${d.key}, ${d.windowStart}::bigint, ${d.delta}::integer)`));
  const result = await sql<{ key: string; window_start: number; count: number }>`
    insert into limit_counters as c (key, window_start, count) values ${values}
    on conflict (key) do update set
      count = case
        when c.window_start = excluded.window_start then c.count + excluded.count
        when c.window_start > excluded.window_start then c.count
        else excluded.count end,
      window_start = greatest(c.window_start, excluded.window_start)
    returning key, window_start, count`.execute(db);
  return result.rows.map((r) => ({ key: r.key, windowStart: Number(r.window_start), count: Number(r.count) }));
}

/** Forgets counters whose window started before `before`. */
export async function deleteCountersBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('limit_counters').where('window_start', '<', before).execute();
}
