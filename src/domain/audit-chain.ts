import { hash } from 'node:crypto';

/** The hash before the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * How many chains the audit log is split into. Each chain has its own head row, so transactions
 * whose events fall in different chains never wait on one another; with the connection pools of
 * a few servers (tens of transactions at once), 64 heads make a shared one the exception.
 */
export const AUDIT_CHAINS = 64;

/**
 * The chain of a subject: every event of one subject lies in one chain, in the order of commit,
 * and the subjects spread evenly over the chains. Events chained before migration 0016 are all in
 * chain 0, whatever their subject; nothing relies on finding a subject's old events by this.
 */
export function chainOf(subjectType: string, subjectId: string): number {
  // One-shot hashing: a Hash object costs more than hashing a few bytes (audited on every change).
  return hash('sha256', `${subjectType}\u0000${subjectId}`, 'buffer').readUInt32BE(0) % AUDIT_CHAINS;
}

/** An event as stored, the fields its hash covers (`before` and `after` as their stored JSON text). */
export interface ChainedFields {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  before: string | null;
  after: string | null;
}

/**
 * An event's hash covers its place in its chain, the hash before it and every stored field, so
 * that altering, removing or inserting a row breaks the chain from there on. The chain's number is
 * not covered: moving an event to another chain breaks both chains' links, and a checkpoint signs
 * each chain's head under its number.
 */
export function eventHash(prevHash: string, e: ChainedFields): string {
  const text = JSON.stringify([
    e.seq,
    prevHash,
    e.id,
    e.at,
    e.actor,
    e.action,
    e.subjectType,
    e.subjectId,
    e.before,
    e.after,
  ]);
  return hash('sha256', text, 'hex');
}

/** One chain's head: `count` events, the last of which has `hash`. */
export interface ChainHead {
  chain: number;
  count: number;
  hash: string;
}

/** What a checkpoint signs: the head of every chain that has events, and their total. */
export interface CheckpointClaims {
  count: number;
  heads: ChainHead[];
  at: string;
}

/**
 * Checkpoints signed before migration 0016 sign the one chain there was, named `main`; that chain
 * is chain 0 since.
 */
export interface SingleChainClaims {
  chain: 'main';
  count: number;
  hash: string;
  at: string;
}

/** The heads a checkpoint's signed claims stand for, of either form; undefined if they are neither. */
export function signedHeads(claims: unknown): { count: number; heads: ChainHead[]; at: string } | undefined {
  if (typeof claims !== 'object' || claims === null) return undefined;
  const c = claims as Partial<CheckpointClaims & SingleChainClaims>;
  if (typeof c.count !== 'number' || typeof c.at !== 'string') return undefined;
  if (c.chain === 'main' && typeof c.hash === 'string')
    return { count: c.count, at: c.at, heads: [{ chain: 0, count: c.count, hash: c.hash }] };
  if (!Array.isArray(c.heads)) return undefined;
  const heads: ChainHead[] = [];
  for (const h of c.heads as unknown[]) {
    const head = h as Partial<ChainHead>;
    if (typeof head?.chain !== 'number' || typeof head.count !== 'number' || typeof head.hash !== 'string')
      return undefined;
    heads.push({ chain: head.chain, count: head.count, hash: head.hash });
  }
  return { count: c.count, at: c.at, heads };
}
