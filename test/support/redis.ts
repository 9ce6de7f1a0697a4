import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from './cli.ts';

/** The Redis the tests use: REDIS_URL, or the one CI runs on the default port. */
export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

async function ping(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}

/**
 * Why Redis tests are skipped here, or false. In CI Redis runs on 6379 and a Redis that does not
 * answer fails the tests rather than skipping them.
 */
export async function redisSkip(): Promise<string | false> {
  const problem = await ping(redisUrl);
  if (problem === undefined) return false;
  if (process.env.CI === 'true') return false;
  return `no Redis at ${redisUrl}: ${problem}`;
}

/** A key prefix of this test run's own, so that runs sharing one Redis never see each other's counts. */
export function testRedisPrefix(): string {
  return `licentia-test:${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** Deletes the keys of a test run. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

export function redisServerUnavailable(): string | undefined {
  return spawnSync('redis-server', ['--version']).status === 0 ? undefined : 'no redis-server binary';
}

/** A Redis of a test's own (no persistence), to stop and start again; never the shared one. */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    for (let i = 0; (await ping(url)) !== undefined; i++) {
      if (i > 100) throw new Error('the private Redis did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url, start, stop };
}
