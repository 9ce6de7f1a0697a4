import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './cli.ts';

/**
 * A PostgreSQL of the test's own, on another port with its data in a temporary directory, for
 * tests that kill or stop PostgreSQL: the shared one at 5432 must never go down. Started with
 * Debian's binaries as the `postgres` user (PostgreSQL refuses to run as root).
 */
export interface PrivatePostgres {
  /** A URL of its `postgres` database. */
  url: string;
  port: number;
  /** `kill -9` of the postmaster; resolves once every backend of it has gone too. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

const BIN = '/usr/lib/postgresql/15/bin';

/** Why a private PostgreSQL cannot run here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  const probe = spawnSync(`${BIN}/pg_ctl`, ['--version']);
  if (probe.status !== 0) return `no PostgreSQL binaries at ${BIN}`;
  const user = spawnSync('id', ['-u', 'postgres']);
  if (user.status !== 0) return 'no postgres user';
  return undefined;
}

function asPostgres(command: string, args: string[]): string {
  const isRoot = process.getuid?.() === 0;
  const [file, fullArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return execFileSync(file, fullArgs as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'licentia-pg-'));
  const data = join(dir, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  if (process.getuid?.() === 0) chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  asPostgres(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const start = async (): Promise<void> => {
    // After a crash the old backends may still hold the shared memory for a moment: try again.
    for (let attempt = 0; ; attempt++) {
      try {
        asPostgres(`${BIN}/pg_ctl`, [
          '-D',
          data,
          '-l',
          join(dir, 'log'),
          '-w',
          '-o',
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`,
          'start',
        ]);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  const postmasterPid = (): number => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);

  await start();
  return {
    url,
    port,
    start,
    async crash() {
      const pid = postmasterPid();
      const backends = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean)
        .map(Number);
      process.kill(pid, 'SIGKILL');
      for (const child of [pid, ...backends]) {
        while (alive(child)) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async destroy() {
      try {
        asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']);
      } catch {
        // Already down.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs one statement on `url` with a connection of its own. */
export async function queryOnce<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}
