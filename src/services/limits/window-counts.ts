import { WindowCounter } from '../../domain/window-counter.ts';

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
