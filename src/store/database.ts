import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, type Transaction, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { SqliteChainHeads } from './chain-heads.ts';
import { GroupCommit } from './group-commit.ts';
import { QueuedSqliteDialect } from './sqlite-dialect.ts';
import { WriterTurns } from './writer-turns.ts';

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
  /** SQLite only: turns at the write lock with the other threads of this process (writer-turns.ts). */
  readonly writerTurns: WriterTurns | null;
  /** SQLite only: the audit chains' heads, kept in memory across group commits (chain-heads.ts). */
  readonly chainHeads: SqliteChainHeads | null;
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
  /** SQLite: `observer` is told the number of transactions of each group commit; no-op on PostgreSQL. */
  observeGroupCommits(observer: (members: number) => void): void;
  /**
   * PostgreSQL: `observer` is told the SQLSTATE of each transaction retried (a serialization failure
   * or a deadlock, which the retry hides from the caller); no-op on SQLite.
   */
  observeRetries(observer: (code: string) => void): void;
  /**
   * SQLite: copies the write-ahead log into the database and truncates it, so that a big load
   * (or a failed one) does not leave hundreds of megabytes of log behind. No-op on PostgreSQL.
   */
  checkpoint(): Promise<void>;
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
  /** Told about connections lost and recovered from; silent by default. */
  log?: StoreLog;
  /** SQLite: a helper thread's connection shares the serving thread's turns at the write lock (`store.writerTurns.buffer`). */
  helperOf?: SharedArrayBuffer;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

export function openStore(options: StoreOptions): Store {
  const { url } = options;
  if (url.startsWith('sqlite:')) return register(openSqlite(url.slice('sqlite:'.length), options.helperOf));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    return register(openPostgres(url, options.poolSize ?? 10, options.log ?? (() => undefined)));
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${redactUrl(url)})`);
}

function openSqlite(path: string, helperOf: SharedArrayBuffer | undefined): Store {
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
  const chainHeads = new SqliteChainHeads(statements);
  const writerTurns = helperOf ? new WriterTurns(helperOf, 'helper') : new WriterTurns();
  const groupCommit = new GroupCommit(db, sqlite, statements, chainHeads, writerTurns);
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    pool: null,
    writerTurns,
    chainHeads,
    cachedStatement: statements,
    transaction: (work) => groupCommit.run(work),
    close: () => db.destroy(),
    announceChange: async () => undefined,
    onAnnouncedChange: async () => undefined,
    externalWrites: () => dataVersion.get() as number,
    observeGroupCommits: (observer) => {
      groupCommit.observer = observer;
    },
    observeRetries: () => undefined,
    checkpoint: async () => {
      if (!memory) await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    },
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

function openPostgres(url: string, poolSize: number, log: StoreLog): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // A request waits this long for a connection, not for ever, when PostgreSQL is out of reach.
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    // Counts come back as int8; they always fit in a JavaScript number here.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 || oid === PG_NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    },
  });
  // A connection that PostgreSQL drops emits 'error' on its client (idle: on the pool too); an
  // 'error' event nobody listens to ends the process. The query that was using it fails on its
  // own, and the pool discards the client.
  pool.on('error', (error) => log('PostgreSQL connection lost (idle)', error));
  pool.on('connect', (client) => {
    client.on('error', (error) => log('PostgreSQL connection lost', error));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listener = new ChangeListener(url, log);
  let retried: ((code: string) => void) | undefined;
  return {
    db,
    dialect: 'postgres',
    sqlite: null,
    pool,
    writerTurns: null,
    chainHeads: null,
    cachedStatement: () => {
      throw new Error('prepared statements are cached on SQLite only');
    },
    transaction: (work) =>
      withRetry(
        () => db.transaction().execute(work),
        (code) => retried?.(code),
      ),
    close: async () => {
      await listener.close();
      await db.destroy();
    },
    announceChange: async (tx, payload) => {
      await sql`select pg_notify(${CHANGE_CHANNEL}, ${payload})`.execute(tx);
    },
    onAnnouncedChange: (handler) => listener.start(handler),
    externalWrites: () => undefined,
    observeGroupCommits: () => undefined,
    observeRetries: (observer) => {
      retried = observer;
    },
    checkpoint: async () => undefined,
  };
}

/** Where the store reports trouble it recovers from by itself (a lost connection). */
export type StoreLog = (message: string, error: unknown) => void;

/**
 * The one LISTEN connection of this process. While it is away, changes may be missed, so
 * everything cached is forgotten when it goes, and again once it is back. A lost or failed
 * connection schedules exactly one new attempt, after a delay that doubles up to a ceiling,
 * with jitter so that servers that lost PostgreSQL together do not all come back at once.
 */
class ChangeListener {
  #handler: ((payload: string) => void) | undefined;
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(
    private readonly url: string,
    private readonly log: StoreLog,
  ) {}

  /** Connects once; a failure here is the caller's (the server does not start). */
  async start(handler: (payload: string) => void): Promise<void> {
    this.#handler = handler;
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      application_name: 'licentia-listen',
    });
    let gone = false;
    // 'error' and 'end' both come for one loss, and a failed connect also rejects: once only.
    const lost = (error?: unknown) => {
      if (gone) return;
      gone = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      if (this.#closed) return;
      if (error !== undefined) this.log('PostgreSQL LISTEN connection lost', error);
      this.#handler?.('*');
      this.#scheduleRetry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL) this.#handler?.(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANGE_CHANNEL}`);
    } catch (error) {
      lost(error);
      throw error;
    }
    if (gone) return;
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#failures = 0;
    this.#handler?.('*');
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry !== undefined) return;
    const ceiling = Math.min(LISTEN_RETRY_MAX_MS, LISTEN_RETRY_FIRST_MS * 2 ** this.#failures);
    this.#failures++;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().catch(() => undefined);
    }, delay);
    this.#retry.unref();
  }
}

const LISTEN_RETRY_FIRST_MS = 250;
const LISTEN_RETRY_MAX_MS = 15_000;

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);

/** Serialization failures and deadlocks are PostgreSQL asking us to try again, so we do. */
async function withRetry<T>(run: () => Promise<T>, retried: (code: string) => void, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = errorCode(error);
      if (attempt >= attempts || !RETRYABLE_PG_CODES.has(code)) throw error;
      retried(code);
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
    }
  }
}

/** The driver's error code: SQLSTATE on PostgreSQL, SQLITE_… on SQLite. */
export function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

/** Connection-level failures (SQLSTATE classes 08 and 57P, a refused or reset socket). */
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|terminating connection/;

/**
 * Whether an error means the database is out of reach for now rather than that the request was
 * wrong: the answer is then 503, and the same request may succeed later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = errorCode(cause);
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code === 'SQLITE_BUSY') return true;
    if (UNAVAILABLE_MESSAGES.test(cause.message)) return true;
    if (cause instanceof AggregateError && cause.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
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
