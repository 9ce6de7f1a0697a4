import type SqliteDatabase from 'better-sqlite3';
import type { ControlledTransaction, Kysely, Transaction } from 'kysely';
import { FifoLock } from './fifo-lock.ts';
import type { WriterTurns } from './writer-turns.ts';

/** More transactions than this in one commit would keep the first of them waiting too long. */
const MAX_MEMBERS = 100;

interface Batch<DB> {
  readonly trx: ControlledTransaction<DB>;
  members: number;
  readonly committed: Promise<void>;
  readonly succeed: () => void;
  readonly fail: (error: unknown) => void;
}

/**
 * State kept in memory beside the database for as long as the batches' transactions say it is
 * right (the audit chains' heads, chain-heads.ts): told when a batch begins, when a member's
 * savepoint is kept or rolled back, just before the commit (inside the transaction, so it may
 * write), and when a batch ends without committing.
 */
export interface BatchObserver {
  begun(): void;
  memberEnded(kept: boolean): void;
  beforeCommit(): void;
  lost(): void;
}

/**
 * Group commit on SQLite's one connection. Each transaction runs as a savepoint of a batch that
 * stays open while the requests that arrived in the same turn of the event loop run theirs; the
 * batch commits once, from `setImmediate`, and only then does any of them return.
 *
 * Why: a COMMIT, with the WAL pages it writes and the checkpoints they bring, costs more than the
 * rest of a small transaction, and fifty concurrent activations write the same few pages. Nothing
 * is given up for it:
 *  - each transaction is still all or nothing with its audit event: a failure rolls back its own
 *    savepoint and nothing else;
 *  - none returns before its changes are committed, so a success is as durable as before;
 *  - transactions still run one after another, each seeing all that came before it, so the
 *    conditional updates that enforce counts hold as they did;
 *  - queries outside transactions wait for the connection until the batch has committed, so
 *    they never read anything uncommitted.
 * If the commit fails, every transaction of the batch fails with its error.
 */
export class GroupCommit<DB> {
  readonly #db: Kysely<DB>;
  readonly #sqlite: SqliteDatabase.Database;
  readonly #prepared: (sql: string) => SqliteDatabase.Statement;
  /** Whose turn it is to run a transaction in the open batch, or to commit it. */
  readonly #turn = new FifoLock();
  #open: Batch<DB> | null = null;
  #commitScheduled = false;
  /** Told the number of transactions of each batch that commits (for metrics). */
  observer: ((members: number) => void) | undefined;
  readonly #state: BatchObserver | undefined;
  /** Turns at the write lock with the other threads of this process that write to the file. */
  readonly #writers: WriterTurns | undefined;

  constructor(
    db: Kysely<DB>,
    sqlite: SqliteDatabase.Database,
    prepared: (sql: string) => SqliteDatabase.Statement,
    state?: BatchObserver,
    writers?: WriterTurns,
  ) {
    this.#db = db;
    this.#sqlite = sqlite;
    this.#prepared = prepared;
    this.#state = state;
    this.#writers = writers;
  }

  async run<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    const { batch, result } = await this.#runInBatch(work);
    await batch.committed;
    return result;
  }

  async #runInBatch<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<{ batch: Batch<DB>; result: T }> {
    await this.#turn.acquire();
    try {
      this.#open ??= await this.#begin();
      const batch = this.#open;
      const result = await this.#asSavepoint(batch, work);
      batch.members += 1;
      // A helper thread's transactions are batches already, and while this one waits for its next
      // turn of the event loop (its POSTs' answers) the serving thread would wait for the lock.
      if (batch.members >= MAX_MEMBERS || this.#writers?.helper) await this.#commit(batch);
      return { batch, result };
    } finally {
      this.#turn.release();
      this.#scheduleCommit();
    }
  }

  async #begin(): Promise<Batch<DB>> {
    await this.#writers?.acquire();
    let trx: ControlledTransaction<DB>;
    try {
      // Queues for the connection behind the queries already waiting for it (the dialect's FIFO).
      trx = await this.#db.startTransaction().execute();
    } catch (error) {
      this.#writers?.release();
      throw error;
    }
    try {
      this.#state?.begun();
    } catch (error) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      this.#writers?.release();
      throw error;
    }
    let succeed!: () => void;
    let fail!: (error: unknown) => void;
    const committed = new Promise<void>((resolve, reject) => {
      succeed = resolve;
      fail = reject;
    });
    // A member whose own work failed does not wait for the commit, so nobody may be listening.
    committed.catch(() => undefined);
    return { trx, members: 0, committed, succeed, fail };
  }

  /**
   * The savepoint statements go straight to the connection, which the batch holds: through the
   * query builder they cost a tenth of an activation. Members share the batch's transaction
   * handle, which is safe because they run one at a time.
   */
  async #asSavepoint<T>(batch: Batch<DB>, work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    this.#prepared('savepoint member').run();
    let result: T;
    try {
      result = await work(batch.trx);
    } catch (error) {
      await this.#undo(batch, error);
      throw error;
    }
    this.#prepared('release member').run();
    this.#state?.memberEnded(true);
    return result;
  }

  /** Rolls back one member's work; if SQLite already gave up the whole transaction, the batch fails. */
  async #undo(batch: Batch<DB>, cause: unknown): Promise<void> {
    if (this.#sqlite.inTransaction) {
      try {
        this.#prepared('rollback to member').run();
        this.#prepared('release member').run();
        this.#state?.memberEnded(false);
        return;
      } catch {
        // Fall through: a batch whose savepoints cannot be trusted is given up whole.
      }
    }
    // An I/O error or a full disk can end the whole transaction: the batch's earlier members
    // are lost with it.
    if (this.#open === batch) this.#open = null;
    this.#state?.lost();
    await batch.trx
      .rollback()
      .execute()
      .catch(() => undefined);
    this.#writers?.release();
    batch.fail(cause);
  }

  #scheduleCommit(): void {
    if (this.#open === null || this.#commitScheduled) return;
    this.#commitScheduled = true;
    setImmediate(() => {
      this.#commitScheduled = false;
      void this.#commitUnlessBusy();
    });
  }

  /** Commits the open batch, unless a transaction is running in it: that one reschedules. */
  async #commitUnlessBusy(): Promise<void> {
    const batch = this.#open;
    if (batch === null || !this.#turn.tryAcquire()) return;
    try {
      await this.#commit(batch);
    } finally {
      this.#turn.release();
    }
  }

  async #commit(batch: Batch<DB>): Promise<void> {
    this.#open = null;
    try {
      this.#state?.beforeCommit();
      await batch.trx.commit().execute();
      this.#writers?.release();
      this.observer?.(batch.members);
      batch.succeed();
    } catch (error) {
      this.#state?.lost();
      await batch.trx
        .rollback()
        .execute()
        .catch(() => undefined);
      this.#writers?.release();
      batch.fail(error);
    }
  }
}
