import type { ChainHead, ChainedFields } from '../domain/audit-chain.ts';
import { invalidField } from '../domain/errors.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import type { Row } from './schema.ts';

export interface ChainedEvent extends ChainedFields {
  chain: number;
  prevHash: string;
  hash: string;
}

export interface Checkpoint {
  /** How many events the checkpoint covers, all chains together. */
  count: number;
  heads: ChainHead[];
  at: string;
  kid: string;
  signature: string;
}

/** Every chain's head row, in the order of the chains; read in one statement, so all of one moment. */
export async function chainHeads(db: Db): Promise<ChainHead[]> {
  const rows = await db.selectFrom('audit_chain_heads').select(['chain', 'seq', 'hash']).orderBy('chain').execute();
  return rows.map((r) => ({ chain: Number(r.chain), count: Number(r.seq), hash: r.hash }));
}

/** The events of `chain` from place `afterSeq` on, in order of their place, `limit` at a time. */
export async function chainedEvents(db: Db, chain: number, afterSeq: number, limit: number): Promise<ChainedEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('chain', '=', chain)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    chain,
    seq: Number(r.seq),
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    before: r.before,
    after: r.after,
    prevHash: r.prev_hash ?? '',
    hash: r.hash ?? '',
  }));
}

/**
 * An event with no place in a chain (or a place in no chain that has a head) can only have been
 * written around `appendChainedEvents`.
 */
export async function firstUnchainedEvent(db: Db, chains: readonly number[]): Promise<string | undefined> {
  const row = await db
    .selectFrom('events')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('seq', 'is', null),
        eb('chain', 'is', null),
        ...(chains.length ? [eb('chain', 'not in', chains)] : []),
      ]),
    )
    .orderBy('id')
    .executeTakeFirst();
  return row?.id;
}

/** Answers false when a checkpoint of that count exists already (another process wrote it). */
export async function insertCheckpoint(db: Db, checkpoint: Checkpoint): Promise<boolean> {
  const result = await db
    .insertInto('audit_checkpoints')
    .values({
      count: checkpoint.count,
      heads: JSON.stringify(checkpoint.heads),
      at: checkpoint.at,
      kid: checkpoint.kid,
      signature: checkpoint.signature,
    })
    .onConflict((c) => c.column('count').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

function toCheckpoint(row: Row<'audit_checkpoints'>): Checkpoint {
  return {
    count: Number(row.count),
    heads: JSON.parse(row.heads) as ChainHead[],
    at: row.at,
    kid: row.kid,
    signature: row.signature,
  };
}

/** Newest first. */
export async function listCheckpoints(db: Db, page: PageRequest): Promise<Page<Checkpoint>> {
  const limit = pageSize(page);
  const before = decodeCursor(page.cursor, 'sequence');
  let query = db.selectFrom('audit_checkpoints').selectAll();
  if (before !== undefined) {
    if (!/^\d{1,15}$/.test(before)) throw invalidField('/cursor', 'is not a cursor of this list');
    query = query.where('count', '<', Number(before));
  }
  const rows = await query
    .orderBy('count', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => String(r.count), toCheckpoint);
}

export async function allCheckpoints(db: Db): Promise<Checkpoint[]> {
  const rows = await db.selectFrom('audit_checkpoints').selectAll().orderBy('count').execute();
  return rows.map(toCheckpoint);
}
