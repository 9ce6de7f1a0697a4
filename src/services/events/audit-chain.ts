import { type CheckpointClaims, GENESIS_HASH, MAIN_CHAIN, eventHash } from '../../domain/audit-chain.ts';
import type { Actor } from '../../domain/actors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { parseJsonPart, signEd25519Jws, splitCompactJws, verifyEd25519 } from '../../licensing/compact-jws.ts';
import {
  type Checkpoint,
  allCheckpoints,
  chainHead,
  chainedEvents,
  eventHashAt,
  firstUnchainedEvent,
  insertCheckpoint,
  listCheckpoints,
} from '../../store/audit-chain.ts';
import { requireProducer } from '../access.ts';
import type { ServiceContext } from '../context.ts';

/**
 * Signs the chain's head (its hash and how many events it covers) with the licence signing key,
 * so that rewriting the log, even with every hash recomputed, no longer matches what was signed.
 * Nothing is written when the head has not moved since the last checkpoint.
 */
export async function writeCheckpoint(ctx: ServiceContext): Promise<Checkpoint | undefined> {
  const head = await chainHead(ctx.store.db, MAIN_CHAIN);
  if (!head || head.seq === 0) return undefined;
  const claims: CheckpointClaims = { chain: MAIN_CHAIN, count: head.seq, hash: head.hash, at: ctx.now().toISOString() };
  const { kid, privateKey } = ctx.keyRing.signingKey();
  const signature = signEd25519Jws({ alg: 'EdDSA', kid, typ: 'licentia-audit-checkpoint' }, claims, privateKey);
  const checkpoint = { ...claims, kid, signature };
  return (await insertCheckpoint(ctx.store.db, checkpoint)) ? checkpoint : undefined;
}

/** Checkpoints now and every `intervalMs`; answers a function that stops it. */
export function checkpointEvery(
  ctx: ServiceContext,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  const run = () => void writeCheckpoint(ctx).catch(onError);
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** GET /events/checkpoints: the producer's staff, like the audit log itself. */
export async function listAuditCheckpoints(
  ctx: ServiceContext,
  actor: Actor,
  page: PageRequest,
): Promise<Page<Checkpoint>> {
  requireProducer(actor);
  return listCheckpoints(ctx.store.db, MAIN_CHAIN, page);
}

export type ChainBreak =
  | { kind: 'altered'; eventId: string; seq: number; detail: string }
  | { kind: 'deleted'; seq: number; afterEventId: string | undefined; detail: string }
  | { kind: 'inserted'; eventId: string; seq: number | null; detail: string }
  | { kind: 'checkpoint'; count: number; detail: string };

export interface ChainReport {
  events: number;
  checkpoints: number;
  /** The first break, walking from the first event; none when the log is intact. */
  broken?: ChainBreak;
}

const BATCH = 1000;

/**
 * Walks the chain from its first event: each event's hash must be that of its fields and the hash
 * before it, places must follow one another up to the head, no event may be outside the chain,
 * and each signed checkpoint must match the event at its place.
 */
export async function verifyAuditChain(ctx: ServiceContext): Promise<ChainReport> {
  const db = ctx.store.db;
  const head = (await chainHead(db, MAIN_CHAIN)) ?? { seq: 0, hash: GENESIS_HASH };
  let prevHash = GENESIS_HASH;
  let prevId: string | undefined;
  let expected = 1;
  let events = 0;
  const checkpoints = await allCheckpoints(db, MAIN_CHAIN);
  const report = (broken: ChainBreak): ChainReport => ({ events, checkpoints: checkpoints.length, broken });
  for (let batch = await chainedEvents(db, 0, BATCH); batch.length > 0; ) {
    for (const event of batch) {
      if (event.seq > head.seq)
        return report({
          kind: 'inserted',
          eventId: event.id,
          seq: event.seq,
          detail: `event ${event.id} (#${event.seq}) lies past the chain's head (#${head.seq})`,
        });
      if (event.seq > expected)
        return report({
          kind: 'deleted',
          seq: expected,
          afterEventId: prevId,
          detail: `event #${expected}${prevId ? `, after ${prevId},` : ''} was deleted`,
        });
      if (eventHash(event.prevHash, event) !== event.hash)
        return report({
          kind: 'altered',
          eventId: event.id,
          seq: event.seq,
          detail: `event ${event.id} (#${event.seq}) was altered: its content does not match its hash`,
        });
      if (event.prevHash !== prevHash)
        return report({
          kind: 'altered',
          eventId: event.id,
          seq: event.seq,
          detail:
            `the chain breaks at event ${event.id} (#${event.seq}): it does not follow ` +
            `${prevId ?? 'the start'} (an event was altered and rehashed, or replaced)`,
        });
      prevHash = event.hash;
      prevId = event.id;
      expected = event.seq + 1;
      events += 1;
    }
    batch = await chainedEvents(db, expected - 1, BATCH);
  }
  if (expected - 1 < head.seq)
    return report({
      kind: 'deleted',
      seq: expected,
      afterEventId: prevId,
      detail: `events #${expected} to #${head.seq}${prevId ? `, after ${prevId},` : ''} were deleted`,
    });
  if (head.hash !== prevHash)
    return report({ kind: 'altered', eventId: prevId ?? '', seq: head.seq, detail: "the chain's head was altered" });
  // With the chain off, events have no place in it by design; with it on, one without a place was
  // inserted around `appendEvent` (or written while the chain was off: docs/security.md).
  const unchained = ctx.config.auditChain ? await firstUnchainedEvent(db) : undefined;
  if (unchained)
    return report({
      kind: 'inserted',
      eventId: unchained,
      seq: null,
      detail: `event ${unchained} has no place in the chain: it was inserted, or written while LICENTIA_AUDIT_CHAIN was off`,
    });
  await ctx.keyRing.load();
  const keys = ctx.keyRing.verificationKeys();
  for (const checkpoint of checkpoints) {
    const broken = await checkpointBreak(checkpoint, keys, (seq) => eventHashAt(db, seq));
    if (broken) return report({ kind: 'checkpoint', count: checkpoint.count, detail: broken });
  }
  return { events, checkpoints: checkpoints.length };
}

async function checkpointBreak(
  checkpoint: Checkpoint,
  keys: ReadonlyMap<string, import('node:crypto').KeyObject>,
  hashAt: (seq: number) => Promise<string | undefined>,
): Promise<string | undefined> {
  const split = splitCompactJws(checkpoint.signature);
  const key = keys.get(checkpoint.kid);
  if (!split.ok || !key || !verifyEd25519(split.jws, key))
    return `the checkpoint of #${checkpoint.count} is not signed by a key of this server`;
  const claims = parseJsonPart(split.jws.payloadB64) as Partial<CheckpointClaims> | undefined;
  if (claims?.count !== checkpoint.count || claims.hash !== checkpoint.hash || claims.chain !== checkpoint.chain)
    return `the checkpoint of #${checkpoint.count} was altered: its row does not say what was signed`;
  if ((await hashAt(checkpoint.count)) !== checkpoint.hash)
    return `the log was rewritten: event #${checkpoint.count} no longer has the hash signed at ${checkpoint.at}`;
  return undefined;
}
