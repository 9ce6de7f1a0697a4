import type SqliteDatabase from 'better-sqlite3';
import type { BatchObserver } from './group-commit.ts';

/** A chain's head: its last place, that event's hash and the hash before it. */
export interface HeadState {
  seq: number;
  hash: string;
  prevHash: string;
}

/**
 * SQLite: the audit chains' heads kept in memory, so that an audited transaction neither reads nor
 * updates a head row. Each head touched by a group commit's batch is written once, just before
 * the batch commits, so the rows are right in every committed state (checkpoints and verify read
 * them). Measured: two statements per audited transaction were a third of the chain's cost on
 * SQLite (docs/benchmarks.md).
 *
 * The heads are right while nobody else writes: the batch holds SQLite's write lock from its BEGIN
 * IMMEDIATE to its commit, so within a batch only its members move them. Between batches, another
 * connection's commit (a second server on the file, `licentia keys rotate`) moves
 * `pragma data_version`, and a write on this connection outside the batches (a migration, a
 * statement outside any transaction) moves `total_changes()`; either makes the next batch forget
 * the heads and read the rows again. A member rolled back to its savepoint puts back the heads it
 * moved; a batch that does not commit forgets them all.
 */
export class SqliteChainHeads implements BatchObserver {
  readonly #heads = new Map<number, HeadState>();
  /** Heads moved by the open batch, to write before it commits. */
  readonly #moved = new Set<number>();
  /** What the running member found before it moved each head (undefined: not known then). */
  readonly #before = new Map<number, HeadState | undefined>();
  readonly #statement: (sql: string) => SqliteDatabase.Statement;
  /** `data_version` and `total_changes()` when the heads in memory were last known to be the rows'. */
  #version: number | undefined;
  #changes: number | undefined;

  constructor(statement: (sql: string) => SqliteDatabase.Statement) {
    this.#statement = statement;
  }

  /** The head of `chain` as the open transaction sees it. */
  head(chain: number): HeadState {
    const known = this.#heads.get(chain);
    if (known) return known;
    const row = this.#statement('select seq, hash, prev_hash from audit_chain_heads where chain = ?').get(chain) as
      | { seq: number; hash: string; prev_hash: string }
      | undefined;
    if (!row) throw new Error(`the audit chain ${chain} has no head row (migration 0016)`);
    const head = { seq: Number(row.seq), hash: row.hash, prevHash: row.prev_hash };
    this.#heads.set(chain, head);
    return head;
  }

  /** Moves the head of `chain` in the open transaction; written to its row before the commit. */
  move(chain: number, head: HeadState): void {
    if (!this.#before.has(chain)) this.#before.set(chain, this.#heads.get(chain));
    this.#heads.set(chain, head);
    this.#moved.add(chain);
  }

  begun(): void {
    const version = (this.#statement('pragma data_version').get() as { data_version: number }).data_version;
    if (version !== this.#version || this.#totalChanges() !== this.#changes) this.#heads.clear();
    this.#version = version;
  }

  #totalChanges(): number {
    return (this.#statement('select total_changes() as n').get() as { n: number }).n;
  }

  memberEnded(kept: boolean): void {
    if (!kept)
      for (const [chain, head] of this.#before) {
        if (head) this.#heads.set(chain, head);
        else this.#heads.delete(chain);
      }
    this.#before.clear();
  }

  beforeCommit(): void {
    this.#flush();
    // The commit changes no rows: what this batch changed is counted by now.
    this.#changes = this.#totalChanges();
  }

  #flush(): void {
    if (this.#moved.size === 0) return;
    const update = this.#statement('update audit_chain_heads set seq = ?, hash = ?, prev_hash = ? where chain = ?');
    // A head put back by a rolled-back member is written as it was: the same row again.
    for (const chain of this.#moved) {
      const head = this.#heads.get(chain);
      if (head) update.run(head.seq, head.hash, head.prevHash, chain);
    }
    this.#moved.clear();
  }

  lost(): void {
    this.#heads.clear();
    this.#moved.clear();
    this.#before.clear();
    this.#version = undefined;
    this.#changes = undefined;
  }
}
