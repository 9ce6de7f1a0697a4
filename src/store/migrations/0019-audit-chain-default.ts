import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

/** Frozen here as they were when this migration was written; src/domain/audit-chain.ts may move on. */
const CHAINS = 64;
const BATCH = 1000;

function chainOf(subjectType: string, subjectId: string): number {
  return createHash('sha256').update(`${subjectType}\u0000${subjectId}`).digest().readUInt32BE(0) % CHAINS;
}

interface Stored {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: string | null;
  after: string | null;
}

function eventHash(seq: number, prevHash: string, e: Stored): string {
  const text = JSON.stringify([
    seq,
    prevHash,
    e.id,
    e.at,
    e.actor,
    e.action,
    e.subject_type,
    e.subject_id,
    e.before,
    e.after,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The audit chain is on by default from this version (`LICENTIA_AUDIT_CHAIN`). An install that ran
 * with it off (the old default) has events outside every chain, which `licentia audit verify`
 * would report as inserted for ever. They are chained here, in the order of their IDs (the order
 * they were written), each at the end of its subject's chain: tamper-evident from this upgrade on.
 * Nothing signed vouched for them before, so no checkpoint is contradicted. An event inserted by
 * hand before the upgrade is taken in too; an operator who ran with the chain on runs
 * `licentia audit verify` before upgrading (docs/operations.md).
 *
 * No `down`: the events keep their places (taking them out would break the chains after them).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const heads = new Map<number, { seq: number; hash: string; prevHash: string }>();
  for (const h of (
    await sql<{ chain: number; seq: number; hash: string; prev_hash: string }>`
      select chain, seq, hash, prev_hash from audit_chain_heads`.execute(db)
  ).rows)
    heads.set(Number(h.chain), { seq: Number(h.seq), hash: h.hash, prevHash: h.prev_hash });
  const moved = new Set<number>();
  let after = '';
  for (;;) {
    const batch = (
      await sql<Stored>`
        select id, at, actor, action, subject_type, subject_id, before, after from events
        where seq is null and id > ${after} order by id limit ${BATCH}`.execute(db)
    ).rows;
    for (const e of batch) {
      const chain = chainOf(e.subject_type, e.subject_id);
      const head = heads.get(chain);
      if (!head) throw new Error(`the audit chain ${chain} has no head row (migration 0016)`);
      const seq = head.seq + 1;
      const hash = eventHash(seq, head.hash, e);
      await sql`update events set chain = ${chain}, seq = ${seq}, prev_hash = ${head.hash}, hash = ${hash}
        where id = ${e.id}`.execute(db);
      heads.set(chain, { seq, hash, prevHash: head.hash });
      moved.add(chain);
    }
    const last = batch.at(-1);
    if (!last || batch.length < BATCH) break;
    after = last.id;
  }
  for (const chain of moved) {
    const head = heads.get(chain);
    if (head)
      await sql`update audit_chain_heads set seq = ${head.seq}, hash = ${head.hash}, prev_hash = ${head.prevHash}
        where chain = ${chain}`.execute(db);
  }
}

export async function down(): Promise<void> {}
