import { createHash } from 'node:crypto';

/** The hash before the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The audit log has one chain today; the name is stored so that more can follow. */
export const MAIN_CHAIN = 'main';

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
 * An event's hash covers its place in the chain, the hash before it and every stored field, so
 * that altering, removing or inserting a row breaks the chain from there on.
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
  return createHash('sha256').update(text).digest('hex');
}

/** What a checkpoint signs: the chain's head after `count` events. */
export interface CheckpointClaims {
  chain: string;
  count: number;
  hash: string;
  at: string;
}
