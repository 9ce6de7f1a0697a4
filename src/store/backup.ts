import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';

/**
 * Backups of the database behind `DATABASE_URL`, taken while servers run. SQLite: `VACUUM INTO`,
 * one read transaction that sees one committed state and does not stop writers (in WAL mode),
 * whereas the page-copying backup API starts over whenever another process writes meanwhile.
 * PostgreSQL: `pg_dump` in its custom format (itself one consistent snapshot).
 */
export function backupDatabase(url: string, to: string): void {
  if (existsSync(to)) throw new Error(`${to} exists already; back up to a new file.`);
  const sqlitePath = sqlitePathOf(url);
  if (sqlitePath !== undefined) {
    if (!existsSync(sqlitePath)) throw new Error(`There is no database at ${sqlitePath}.`);
    const db = new SqliteDatabase(sqlitePath, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      db.prepare('vacuum into ?').run(to);
    } finally {
      db.close();
    }
    return;
  }
  const postgres = postgresUrlOf(url);
  const args = ['--format=custom', `--file=${to}`, '--no-owner'];
  if (postgres.schema) args.push(`--schema=${postgres.schema}`);
  runPostgresTool('pg_dump', [...args, `--dbname=${postgres.url}`]);
}

/**
 * Restores a backup into the database of `url`, which must be new: an SQLite file that does not
 * exist yet, or a PostgreSQL database (schema) without Licentia's tables.
 */
export function restoreDatabase(url: string, from: string): void {
  if (!existsSync(from)) throw new Error(`There is no backup at ${from}.`);
  const sqlitePath = sqlitePathOf(url);
  if (sqlitePath !== undefined) {
    if (existsSync(sqlitePath)) throw new Error(`${sqlitePath} exists already; restore into a new database.`);
    const check = new SqliteDatabase(from, { readonly: true, fileMustExist: true });
    try {
      const result = check.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new Error(`${from} is not a sound SQLite database: ${String(result)}`);
    } catch (error) {
      throw new Error(`${from} is not a Licentia SQLite backup (${(error as Error).message}).`);
    } finally {
      check.close();
    }
    mkdirSync(dirname(sqlitePath), { recursive: true });
    // Copied beside the target and renamed, so that a server never opens half a file.
    copyFileSync(from, `${sqlitePath}.restoring`);
    renameSync(`${sqlitePath}.restoring`, sqlitePath);
    rmSync(`${sqlitePath}-wal`, { force: true });
    rmSync(`${sqlitePath}-shm`, { force: true });
    return;
  }
  const postgres = postgresUrlOf(url);
  runPostgresTool('pg_restore', ['--exit-on-error', '--no-owner', `--dbname=${postgres.url}`, from]);
}

function sqlitePathOf(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length);
  if (path === ':memory:' || path === '') throw new Error('An in-memory database cannot be backed up or restored.');
  return path;
}

/**
 * The URL for PostgreSQL's tools, and the schema named by `options=-c search_path=…` (one
 * Licentia database per schema), which the dump is limited to.
 */
function postgresUrlOf(url: string): { url: string; schema: string | undefined } {
  if (!url.startsWith('postgres://') && !url.startsWith('postgresql://'))
    throw new Error('DATABASE_URL must start with sqlite: or postgres://');
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options') ?? '';
  const schema = /search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(options)?.[1];
  // libpq decodes %20 but not the + that URLSearchParams writes for a space.
  const query = [...parsed.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  parsed.search = query.length > 0 ? `?${query.join('&')}` : '';
  return { url: parsed.toString(), schema };
}

function runPostgresTool(tool: 'pg_dump' | 'pg_restore', args: string[]): void {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `${tool} is not installed. Install PostgreSQL's client tools of your server's major version or newer ` +
        '(Debian/Ubuntu: apt-get install postgresql-client).',
    );
  }
  if (result.status !== 0) throw new Error(`${tool} failed: ${(result.stderr || result.stdout).trim()}`);
}
