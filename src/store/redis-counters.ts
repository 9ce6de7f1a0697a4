import { Redis, type Result } from 'ioredis';
import type { CounterDelta, CounterStore, CounterTotal } from './limit-counters.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    licentiaLimitAdd(
      currentKey: string,
      previousKey: string,
      current: number,
      previous: number,
      ttlMs: number,
    ): Result<[number, number], Context>;
  }
}

/**
 * Adds to one counter's current window (and, when asked, to its previous one) and answers both
 * totals: atomic, as one script; the keys expire once neither window weighs anything.
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
return {current, previous}`;

export interface RedisCountersOptions {
  url: string;
  /** Put before every key, so that several deployments (or test runs) can share one Redis. */
  prefix: string;
  /** Told when Redis goes away and when it is back; once each, not on every reconnect attempt. */
  log(message: string, error?: unknown): void;
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
  client.defineCommand('licentiaLimitAdd', { numberOfKeys: 2, lua: ADD_SCRIPT });
  let away = false;
  client.on('error', (error: unknown) => {
    if (away) return;
    away = true;
    options.log('Redis is unreachable: each server enforces the limits on its own counts until it is back', error);
  });
  client.on('ready', () => {
    if (!away) return;
    away = false;
    options.log('Redis is reachable again: the limit counts are shared again');
  });
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
          d.current,
          d.previous,
          3 * d.windowMs,
        );
      const answers = (await pipeline.exec()) ?? [];
      return deltas.map((d, i) => {
        const [error, totals] = answers[i] ?? [new Error('no answer')];
        if (error) throw error;
        const [current, previous] = totals as [number, number];
        return { key: d.key, windowStart: d.windowStart, current: Number(current), previous: Number(previous) };
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
