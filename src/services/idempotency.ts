import { type Actor, actorLabel } from '../domain/actors.ts';
import { AppError } from '../domain/errors.ts';
import type { Db } from '../store/database.ts';
import { claimIdempotencyKey, saveIdempotentResponse } from '../store/web-register-keys.ts';

export interface IdempotencyRequest {
  /** The client's Idempotency-Key header. */
  key: string;
  /** A hash of the request, so that a key reused for a different request is caught. */
  requestHash: string;
}

/**
 * Inside the request's transaction: either this is the first time the key is seen (answers
 * undefined, and the caller goes on and records its answer with `rememberAnswer`), or the first
 * answer is replayed. A concurrent twin waits on the key's row until the first one commits.
 */
export async function replayedAnswer<T>(
  tx: Db,
  actor: Actor,
  operation: string,
  request: IdempotencyRequest,
  at: string,
): Promise<T | undefined> {
  const existing = await claimIdempotencyKey(tx, scopeOf(actor, operation), request.key, request.requestHash, at);
  if (!existing) return undefined;
  if (existing.requestHash !== request.requestHash) {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used for a different request.');
  }
  if (existing.response === null) {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is still being processed.');
  }
  return JSON.parse(existing.response) as T;
}

export async function rememberAnswer(
  tx: Db,
  actor: Actor,
  operation: string,
  request: IdempotencyRequest,
  status: number,
  answer: unknown,
): Promise<void> {
  await saveIdempotentResponse(tx, scopeOf(actor, operation), request.key, status, JSON.stringify(answer));
}

/** The scope of an actor's idempotency keys for one operation. */
export function scopeOf(actor: Actor, operation: string): string {
  return `${actorLabel(actor)} ${operation}`;
}
