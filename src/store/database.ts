import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, type Transaction, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { GroupCommit } from './group-commit.ts';
import { QueuedSqliteDialect } from './sqlite-dialect.ts';

export type DialectName = 'sqlite' | 'postgres';

/** A Kysely handle that may or may not be inside a transaction; store functions take this. */
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface Store {
  readonly db: Db;
  readonly dialect: DialectName;
  /** The embedded database handle, for the few bulk paths that bypass the query builder. */
  readonly sqlite: SqliteDatabase.Database | null;
  readonly pool: pg.Pool | null;
  /** SQLite only: the prepared statement of `sql`, prepared once (see prepared.ts). */
  cachedStatement(sql: string): SqliteDatabase.Statement;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Tells other server processes, when `tx` commits, that something they may have cached changed
   * (PostgreSQL NOTIFY). No-op on SQLite, where `externalWrites` serves instead.
   */
  announceChange(tx: Db, payload: string): Promise<void>;
  /** Calls `handler` with each change announced by any process, including this one. */
  onAnnouncedChange(handler: (payload: string) => void): Promise<void>;
  /**
   * A number that moves whenever another connection commits to the SQLite file (`data_version`);
   * undefined on PostgreSQL.
   */
  externalWrites(): number | undefined;
}

const CHANGE_CHANNEL = 'licentia_changes';

/** Which store a Kysely handle (the store's own, or one of its transactions) belongs to. */
const owners = new WeakMap<object, Store>();

export function storeOf(db: Db): Store {
  const store = owners.get(db);
  if (!store) throw new Error('this database handle belongs to no open store');
  return store;
}

function register(store: Store): Store {
  const registered: Store = {
    ...store,
    transaction: (work) =>
      store.transaction((tx) => {
        owners.set(tx, registered);
        return work(tx);
      }),
  };
  owners.set(store.db, registered);
  return registered;
}

export interface StoreOptions {
  url: string;
  poolSize?: number;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

export function openStore(options: StoreOptions): Store {
  const { url } = options;
  if (url.startsWith('sqlite:')) return register(openSqlite(url.slice('sqlite:'.length)));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    return register(openPostgres(url, options.poolSize ?? 10));
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${redactUrl(url)})`);
}

function openSqlite(path: string): Store {
  const memory = path === ':memory:' || path === '';
  if (!memory) createPrivately(path);
  const sqlite = new SqliteDatabase(memory ? ':memory:' : path);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode loses no committed transaction on a process crash, only on power loss,
  // and is what makes synchronous bulk loads fast.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('cache_size = -65536');
  const statements = statementCache(sqlite);
  // Kysely needs only these two methods of the database; preparing goes through the cache.
  const db = new Kysely<Database>({
    dialect: new QueuedSqliteDialect({
      database: { prepare: statements, close: () => sqlite.close() } as unknown as SqliteDatabase.Database,
    }),
  });
  const groupCommit = new GroupCommit(db, sqlite, statements);
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    pool: null,
    cachedStatement: statements,
    transaction: (work) => groupCommit.run(work),
    close: () => db.destroy(),
    announceChange: async () => undefined,
    onAnnouncedChange: async () => undefined,
    externalWrites: () => dataVersion.get() as number,
  };
}

/**
 * The database holds password hashes, API key hashes and (sealed) signing keys: its files are the
 * owner's alone. SQLite gives its -wal and -shm files the mode of the database file, so creating
 * that one 0600 (and tightening one created before) covers all three.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } catch {
      // Not there yet, or owned by another user: nothing this process may change.
    }
  }
}

/**
 * Kysely prepares every query anew, and preparing costs as much as running a small one; the same
 * few dozen statements run all day, so they are prepared once. Reuse is safe: the connection runs
 * one statement at a time.
 */
function statementCache(sqlite: SqliteDatabase.Database, max = 1000): (sql: string) => SqliteDatabase.Statement {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return (source) => {
    const cached = cache.get(source);
    if (cached) return cached;
    const statement = sqlite.prepare(source);
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(source, statement);
    return statement;
  };
}

function openPostgres(url: string, poolSize: number): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Counts come back as int8; they always fit in a JavaScript number here.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 || oid === PG_NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners: pg.Client[] = [];
  let closing = false;
  return {
    db,
    dialect: 'postgres',
    sqlite: null,
    pool,
    cachedStatement: () => {
      throw new Error('prepared statements are cached on SQLite only');
    },
    transaction: (work) => withRetry(() => db.transaction().execute(work)),
    close: async () => {
      closing = true;
      await Promise.all(listeners.map((client) => client.end().catch(() => undefined)));
      await db.destroy();
    },
    announceChange: async (tx, payload) => {
      await sql`select pg_notify(${CHANGE_CHANNEL}, ${payload})`.execute(tx);
    },
    onAnnouncedChange: async (handler) => {
      const listen = async (): Promise<void> => {
        const client = new pg.Client({ connectionString: url });
        // While the listener is away, changes may be missed: everything cached is forgotten when
        // it goes, and again once it is back.
        const lost = () => {
          if (closing) return;
          handler('*');
          setTimeout(() => void listen().catch(lost), 1000).unref();
        };
        client.on('error', () => undefined);
        client.on('end', lost);
        client.on('notification', (message) => {
          if (message.channel === CHANGE_CHANNEL) handler(message.payload ?? '');
        });
        await client.connect();
        await client.query(`listen ${CHANGE_CHANNEL}`);
        listeners.push(client);
        handler('*');
      };
      await listen();
    },
    externalWrites: () => undefined,
  };
}

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);

/** Serialization failures and deadlocks are PostgreSQL asking us to try again, so we do. */
async function withRetry<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !RETRYABLE_PG_CODES.has(errorCode(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
    }
  }
}

/** The driver's error code: SQLSTATE on PostgreSQL, SQLITE_… on SQLite. */
export function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
