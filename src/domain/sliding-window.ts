/**
 * The arithmetic of every limit (public ceilings, failed guesses, sign-in failures), whichever
 * backend keeps the counts. Windows are fixed and aligned to the clock, so that every server
 * agrees on them; what is checked is a sliding estimate over the last `windowMs`: the previous
 * window's count weighed by how much of it the sliding window still covers, plus the current
 * window's count (as Cloudflare's and nginx-style limiters do). A burst is counted whole whether
 * or not it straddles a window edge, and nobody gets two budgets at once by spending one at the
 * end of a window and the next at the start of the following one: within any span of length
 * L ≤ window, at most max × (1 + L/window) counts pass (fixed windows let 2 × max through in a
 * moment), and a steady rate is held to max per window.
 */
export interface WindowCounts {
  /** Epoch milliseconds at which the current window began (a multiple of the window's length). */
  start: number;
  previous: number;
  current: number;
}

export function windowStartOf(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

/** The counts as seen from `now`: moved on by the windows that have begun since `counts.start`. */
export function countsAt(counts: WindowCounts | undefined, now: number, windowMs: number): WindowCounts {
  const start = windowStartOf(now, windowMs);
  // A start ahead of this clock comes from a server whose clock is ahead: taken as it is.
  if (counts && counts.start >= start) return counts;
  if (counts && counts.start === start - windowMs) return { start, previous: counts.current, current: 0 };
  return { start, previous: 0, current: 0 };
}

/** The estimated count over the `windowMs` before `now`. */
export function slidingEstimate(counts: WindowCounts | undefined, now: number, windowMs: number): number {
  const at = countsAt(counts, now, windowMs);
  const elapsed = Math.min(Math.max(now - at.start, 0), windowMs);
  return at.previous * (1 - elapsed / windowMs) + at.current;
}

/** Rounding of the weights must not refuse a count that fits exactly. */
const EPSILON = 1e-9;

/**
 * Milliseconds until one more count fits under `max` (the estimate with it is at most `max`),
 * if nothing more is counted meanwhile; 0 when it fits now.
 */
export function msUntilAllowed(counts: WindowCounts | undefined, now: number, windowMs: number, max: number): number {
  const room = max - 1;
  if (slidingEstimate(counts, now, windowMs) <= room + EPSILON) return 0;
  if (room < 0) return windowMs;
  const { start, previous, current } = countsAt(counts, now, windowMs);
  const elapsed = Math.max(now - start, 0);
  // While the current count alone fits, the previous window's share has to shrink enough…
  if (current <= room) return Math.max(1, Math.ceil(windowMs * (1 - (room - current) / previous) - elapsed));
  // …otherwise the current window must become the previous one, and its share shrink in turn.
  return Math.max(1, Math.ceil(windowMs - elapsed + windowMs * (1 - room / current)));
}

/** `msUntilAllowed` as a Retry-After: whole seconds, at least 1 when refused. */
export function secondsUntilAllowed(
  counts: WindowCounts | undefined,
  now: number,
  windowMs: number,
  max: number,
): number {
  const ms = msUntilAllowed(counts, now, windowMs, max);
  return ms === 0 ? 0 : Math.max(1, Math.ceil(ms / 1000));
}

/** Adds `n` to the counts as seen from `now`. */
export function addCount(counts: WindowCounts | undefined, now: number, windowMs: number, n = 1): WindowCounts {
  const at = countsAt(counts, now, windowMs);
  return { start: at.start, previous: at.previous, current: at.current + n };
}

/** Counts that no longer weigh anything at `now`: both their windows are over. */
export function isSpent(counts: WindowCounts, now: number, windowMs: number): boolean {
  return counts.start + 2 * windowMs <= now;
}
