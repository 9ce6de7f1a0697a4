import { Redis, type Result } from 'ioredis';
import type { CounterDelta, CounterStore, CounterTotal } from './limit-counters.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    licentiaLimitAdd(
      currentKey: string,
      previousKey: string,
      nextKey: string,
      current: number,
      previous: number,
      ttlMs: number,
    ): Result<[number, number, number], Context>;
  }
}

/**
 * Adds to one counter's current window (and, when asked, to its previous one) and answers both
 * totals, and the next window's count (non-zero when another server's clock is ahead): atomic, as
 * one script; the keys expire once neither window weighs anything.
 */
const ADD_SCRIPT = `
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local previous
if tonumber(ARGV[2]) > 0 then
  previous = redis.call('INCRBY', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
else
  previous = tonumber(redis.call('GET', KEYS[2]) or '0')
end
local following = tonumber(redis.call('GET', KEYS[3]) or '0')
return {current, previous, following}`;

export interface RedisCountersOptions {
  url: string;
  /** Put before every key, so that several deployments (or test runs) can share one Redis. */
  prefix: string;
}

/**
 * The shared limit counters in Redis: one key per counter and window (`{counter}` is the hash
 * tag, so a counter's windows sit on one node of a Redis Cluster). A flush is one pipeline: one
 * round trip whatever the number of counters. Redis being away never waits a request: commands
 * fail at once (no offline queue), and the caller keeps its counts until Redis is back.
 */
export function redisCounters(options: RedisCountersOptions): CounterStore {
  const client = new Redis(options.url, {
    // One-off commands (the CLI) make a service context too, and never count: connect on first use.
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(250 * 2 ** Math.min(attempt, 6), 15_000),
  });
  client.defineCommand('licentiaLimitAdd', { numberOfKeys: 3, lua: ADD_SCRIPT });
  // Without a listener an unreachable Redis would be an unhandled 'error' event, fatal to the
  // process; the failure reaches the caller through the command that fails, and is told there.
  client.on('error', () => undefined);
  const keyOf = (key: string, windowStart: number) => `${options.prefix}{${key}}:${windowStart}`;
  return {
    name: 'redis',
    async add(deltas: readonly CounterDelta[]): Promise<CounterTotal[]> {
      if (deltas.length === 0) return [];
      if (client.status === 'wait') await client.connect();
      const pipeline = client.pipeline();
      for (const d of deltas)
        pipeline.licentiaLimitAdd(
          keyOf(d.key, d.windowStart),
          keyOf(d.key, d.windowStart - d.windowMs),
          keyOf(d.key, d.windowStart + d.windowMs),
          d.current,
          d.previous,
          3 * d.windowMs,
        );
      const answers = (await pipeline.exec()) ?? [];
      return deltas.map((d, i) => {
        const [error, totals] = answers[i] ?? [new Error('no answer')];
        if (error) throw error;
        const [current, previous, following] = (totals as [number, number, number]).map(Number) as [
          number,
          number,
          number,
        ];
        // Another server's clock is a window ahead: its window is the current one, this one its previous.
        if (following > 0)
          return { key: d.key, windowStart: d.windowStart + d.windowMs, previous: current, current: following };
        return { key: d.key, windowStart: d.windowStart, current, previous };
      });
    },
    // Keys expire by themselves.
    sweep: async () => undefined,
    async close(): Promise<void> {
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
