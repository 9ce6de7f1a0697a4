import type { ChainedFields } from '../domain/audit-chain.ts';
import { invalidField } from '../domain/errors.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import type { Row } from './schema.ts';

export interface ChainedEvent extends ChainedFields {
  prevHash: string;
  hash: string;
}

export interface Checkpoint {
  chain: string;
  count: number;
  hash: string;
  at: string;
  kid: string;
  signature: string;
}

export async function chainHead(db: Db, chain: string): Promise<{ seq: number; hash: string } | undefined> {
  const row = await db
    .selectFrom('audit_chain_heads')
    .select(['seq', 'hash'])
    .where('chain', '=', chain)
    .executeTakeFirst();
  return row && { seq: Number(row.seq), hash: row.hash };
}

/** The chained events from place `afterSeq` on, in order of their place, `limit` at a time. */
export async function chainedEvents(db: Db, afterSeq: number, limit: number): Promise<ChainedEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('seq', 'is not', null)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
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

/** An event with no place in the chain can only have been written around `appendEvent`. */
export async function firstUnchainedEvent(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('events').select('id').where('seq', 'is', null).orderBy('id').executeTakeFirst();
  return row?.id;
}

export async function eventHashAt(db: Db, seq: number): Promise<string | undefined> {
  const row = await db.selectFrom('events').select('hash').where('seq', '=', seq).executeTakeFirst();
  return row?.hash ?? undefined;
}

/** Answers false when a checkpoint of that place exists already (another process wrote it). */
export async function insertCheckpoint(db: Db, checkpoint: Checkpoint): Promise<boolean> {
  const result = await db
    .insertInto('audit_checkpoints')
    .values({
      chain: checkpoint.chain,
      seq: checkpoint.count,
      hash: checkpoint.hash,
      at: checkpoint.at,
      kid: checkpoint.kid,
      signature: checkpoint.signature,
    })
    .onConflict((c) => c.columns(['chain', 'seq']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

function toCheckpoint(row: Row<'audit_checkpoints'>): Checkpoint {
  return {
    chain: row.chain,
    count: Number(row.seq),
    hash: row.hash,
    at: row.at,
    kid: row.kid,
    signature: row.signature,
  };
}

/** Newest first. */
export async function listCheckpoints(db: Db, chain: string, page: PageRequest): Promise<Page<Checkpoint>> {
  const limit = pageSize(page);
  const before = decodeCursor(page.cursor, 'sequence');
  let query = db.selectFrom('audit_checkpoints').selectAll().where('chain', '=', chain);
  if (before !== undefined) {
    if (!/^\d{1,15}$/.test(before)) throw invalidField('/cursor', 'is not a cursor of this list');
    query = query.where('seq', '<', Number(before));
  }
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => String(r.seq), toCheckpoint);
}

export async function allCheckpoints(db: Db, chain: string): Promise<Checkpoint[]> {
  const rows = await db.selectFrom('audit_checkpoints').selectAll().where('chain', '=', chain).orderBy('seq').execute();
  return rows.map(toCheckpoint);
}
