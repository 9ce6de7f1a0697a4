import { FifoLock } from './fifo-lock.ts';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * Kysely's SQLite dialect with two changes to how its one connection is shared.
 *
 * Transactions begin IMMEDIATE: the write lock is taken at BEGIN, where `busy_timeout` applies.
 * A deferred transaction that reads and then writes can instead fail at its first write with
 * SQLITE_BUSY (no retry) when another process sharing the file committed since the read.
 *
 * Callers waiting for the connection queue in order. Kysely's own mutex wakes every waiter at
 * each release and all but one go back to sleep; with fifty requests waiting for their
 * transaction, that is fifty wake-ups per transaction on the activation path.
 */
export class QueuedSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new QueuedSqliteDriver(this.#config);
  }
}

const BEGIN = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

class QueuedSqliteDriver extends SqliteDriver {
  readonly #queue = new FifoLock();

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#queue.acquire();
    // Uncontended now: the queue lets one caller through at a time.
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#queue.release();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN);
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(COMMIT);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(ROLLBACK);
  }
}
