import {
  AUDIT_CHAINS,
  type ChainHead,
  type CheckpointClaims,
  GENESIS_HASH,
  eventHash,
  signedHeads,
} from '../../domain/audit-chain.ts';
import type { Actor } from '../../domain/actors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import { parseJsonPart, signEd25519Jws, splitCompactJws, verifyEd25519 } from '../../licensing/compact-jws.ts';
import {
  type Checkpoint,
  allCheckpoints,
  chainHeads,
  chainedEvents,
  firstUnchainedEvent,
  insertCheckpoint,
  listCheckpoints,
} from '../../store/audit-chain.ts';
import type { Db } from '../../store/database.ts';
import { requireProducer } from '../access.ts';
import type { ServiceContext } from '../context.ts';

/**
 * Signs the heads of all chains at once (each chain's hash and how many events it holds) with the
 * licence signing key, so that rewriting the log, even with every hash recomputed, no longer
 * matches what was signed. Nothing is written when no head has moved since the last checkpoint.
 */
export async function writeCheckpoint(ctx: ServiceContext): Promise<Checkpoint | undefined> {
  const heads = (await chainHeads(ctx.store.db)).filter((h) => h.count > 0);
  const count = heads.reduce((sum, h) => sum + h.count, 0);
  if (count === 0) return undefined;
  const claims: CheckpointClaims = { count, heads, at: ctx.now().toISOString() };
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
  return listCheckpoints(ctx.store.db, page);
}

export type ChainBreak =
  | { kind: 'altered'; chain: number; eventId: string; seq: number; detail: string }
  | { kind: 'deleted'; chain: number; seq: number; afterEventId: string | undefined; detail: string }
  | { kind: 'inserted'; chain: number | null; eventId: string; seq: number | null; detail: string }
  | { kind: 'checkpoint'; chain: number | null; count: number; detail: string };

export interface ChainReport {
  events: number;
  chains: number;
  checkpoints: number;
  /** The first break of each broken chain, then what lies outside the chains; empty when the log is intact. */
  breaks: ChainBreak[];
}

const BATCH = 1000;

/** What the checkpoints signed of one chain: the hash at each place, and when it was signed. */
type Signed = Map<number, { hash: string; at: string }>;

/**
 * Checks that each checkpoint is signed by a key of this server and that its row says what was
 * signed; answers the places each chain's checkpoints vouch for, and the checkpoints that fail.
 */
async function signedPlaces(
  ctx: ServiceContext,
  checkpoints: readonly Checkpoint[],
): Promise<{ signed: Map<number, Signed>; breaks: ChainBreak[] }> {
  await ctx.keyRing.load();
  const keys = ctx.keyRing.verificationKeys();
  const signed = new Map<number, Signed>();
  const breaks: ChainBreak[] = [];
  for (const checkpoint of checkpoints) {
    const split = splitCompactJws(checkpoint.signature);
    const key = keys.get(checkpoint.kid);
    if (!split.ok || !key || !verifyEd25519(split.jws, key)) {
      breaks.push({
        kind: 'checkpoint',
        chain: null,
        count: checkpoint.count,
        detail: `the checkpoint of ${checkpoint.count} events is not signed by a key of this server`,
      });
      continue;
    }
    const claims = signedHeads(parseJsonPart(split.jws.payloadB64));
    if (
      claims?.count !== checkpoint.count ||
      claims.at !== checkpoint.at ||
      JSON.stringify(claims.heads) !== JSON.stringify(checkpoint.heads)
    ) {
      breaks.push({
        kind: 'checkpoint',
        chain: null,
        count: checkpoint.count,
        detail: `the checkpoint of ${checkpoint.count} events was altered: its row does not say what was signed`,
      });
      continue;
    }
    for (const head of claims.heads) {
      const places = signed.get(head.chain) ?? new Map();
      places.set(head.count, { hash: head.hash, at: claims.at });
      signed.set(head.chain, places);
    }
  }
  return { signed, breaks };
}

/**
 * Walks one chain from its first event: each event's hash must be that of its fields and the hash
 * before it, places must follow one another up to the head, and each place a checkpoint signed
 * must still hold the hash signed. Answers the events walked and the first break.
 */
async function walkChain(db: Db, head: ChainHead, signed: Signed): Promise<{ events: number; broken?: ChainBreak }> {
  const { chain } = head;
  let prevHash = GENESIS_HASH;
  let prevId: string | undefined;
  let expected = 1;
  let events = 0;
  const done = (broken?: ChainBreak) => (broken ? { events, broken } : { events });
  for (let batch = await chainedEvents(db, chain, 0, BATCH); batch.length > 0; ) {
    for (const event of batch) {
      const place = `chain ${chain} #${event.seq}`;
      if (event.seq > head.count)
        return done({
          kind: 'inserted',
          chain,
          eventId: event.id,
          seq: event.seq,
          detail: `event ${event.id} (${place}) lies past the chain's head (#${head.count})`,
        });
      if (event.seq > expected)
        return done({
          kind: 'deleted',
          chain,
          seq: expected,
          afterEventId: prevId,
          detail: `chain ${chain}: event #${expected}${prevId ? `, after ${prevId},` : ''} was deleted`,
        });
      if (eventHash(event.prevHash, event) !== event.hash)
        return done({
          kind: 'altered',
          chain,
          eventId: event.id,
          seq: event.seq,
          detail: `event ${event.id} (${place}) was altered: its content does not match its hash`,
        });
      if (event.prevHash !== prevHash)
        return done({
          kind: 'altered',
          chain,
          eventId: event.id,
          seq: event.seq,
          detail:
            `the chain breaks at event ${event.id} (${place}): it does not follow ` +
            `${prevId ?? 'the start'} (an event was altered and rehashed, or replaced)`,
        });
      const vouched = signed.get(event.seq);
      if (vouched && vouched.hash !== event.hash)
        return done({
          kind: 'checkpoint',
          chain,
          count: event.seq,
          detail: `the log was rewritten: event ${event.id} (${place}) no longer has the hash signed at ${vouched.at}`,
        });
      prevHash = event.hash;
      prevId = event.id;
      expected = event.seq + 1;
      events += 1;
    }
    batch = await chainedEvents(db, chain, expected - 1, BATCH);
  }
  if (expected - 1 < head.count)
    return done({
      kind: 'deleted',
      chain,
      seq: expected,
      afterEventId: prevId,
      detail: `chain ${chain}: events #${expected} to #${head.count}${prevId ? `, after ${prevId},` : ''} were deleted`,
    });
  if (head.hash !== prevHash)
    return done({
      kind: 'altered',
      chain,
      eventId: prevId ?? '',
      seq: head.count,
      detail: `the head of chain ${chain} was altered`,
    });
  const lost = [...signed.entries()].find(([seq]) => seq > head.count);
  if (lost)
    return done({
      kind: 'checkpoint',
      chain,
      count: lost[0],
      detail: `the log was rewritten: chain ${chain} no longer reaches #${lost[0]}, signed at ${lost[1].at}`,
    });
  return done();
}

/**
 * Walks every chain and checks the signed checkpoints against them; names the first event of each
 * chain that was altered, deleted or inserted, and any event that lies in no chain.
 */
export async function verifyAuditChain(ctx: ServiceContext): Promise<ChainReport> {
  const db = ctx.store.db;
  const heads = await chainHeads(db);
  const checkpoints = await allCheckpoints(db);
  const { signed, breaks } = await signedPlaces(ctx, checkpoints);
  let events = 0;
  for (let chain = 0; chain < AUDIT_CHAINS; chain++)
    if (!heads.some((h) => h.chain === chain))
      breaks.push({
        kind: 'deleted',
        chain,
        seq: 0,
        afterEventId: undefined,
        detail: `the head of chain ${chain} was deleted`,
      });
  for (const head of heads) {
    const walked = await walkChain(db, head, signed.get(head.chain) ?? new Map());
    events += walked.events;
    if (walked.broken) breaks.push(walked.broken);
  }
  // With the chain off, events have no place in one by design; with it on, one without a place
  // was inserted around the chain (or written while the chain was off: docs/security.md).
  const unchained = ctx.config.auditChain
    ? await firstUnchainedEvent(
        db,
        heads.map((h) => h.chain),
      )
    : undefined;
  if (unchained)
    breaks.push({
      kind: 'inserted',
      chain: null,
      eventId: unchained,
      seq: null,
      detail: `event ${unchained} has no place in the chain: it was inserted, or written while LICENTIA_AUDIT_CHAIN was off`,
    });
  return { events, chains: heads.length, checkpoints: checkpoints.length, breaks };
}
