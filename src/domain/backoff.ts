/**
 * Retry schedules of outgoing deliveries. A schedule lists the waits before the second, third, …
 * attempt; once it is used up the delivery has failed for good. Each wait is spread by ±20 %
 * (jitter), so that deliveries failed together by one outage do not all come back at once.
 */
export type RetrySchedule = readonly number[];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Webhooks: eleven attempts over about three days and three hours (5 s, 1 min, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after each failure). Documented in docs/webhooks.md.
 */
export const webhookRetrySchedule: RetrySchedule = [
  5 * SECOND,
  MINUTE,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/**
 * Mail after a temporary refusal (4xx, no connection, a timeout): nine attempts over about a day
 * (30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h after each failure), then failed and shown so.
 */
export const mailRetrySchedule: RetrySchedule = [
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
];

export const JITTER = 0.2;

/**
 * How long to wait after the `attempts`-th failed attempt (1 for the first), or undefined when the
 * schedule is used up. `random` is in [0, 1).
 */
export function retryDelay(schedule: RetrySchedule, attempts: number, random: number): number | undefined {
  const base = schedule[attempts - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random));
}

/** The total of a schedule without jitter: how long a delivery is retried at most. */
export function scheduleSpan(schedule: RetrySchedule): number {
  return schedule.reduce((sum, wait) => sum + wait, 0);
}
