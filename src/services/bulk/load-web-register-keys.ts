import { counted } from '../../domain/words.ts';
import { type Actor, actorLabel as actorLabelOf } from '../../domain/actors.ts';
import {
  DEFAULT_ENTITLEMENT_ID_PATTERN,
  type RejectedKey,
  applyEntitlementIdPattern,
  keyFromLine,
} from '../../domain/bulk.ts';
import { displayCode, generateCode, isValidCode, normalizeCode } from '../../domain/codes.ts';
import { AppError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { lockCodeNamespace } from '../../store/codes.ts';
import type { Db } from '../../store/database.ts';
import {
  type EntitlementRecord,
  entitlementIdsExist,
  findEntitlementRecordByPk,
  lineItemCodesExist,
  touchEntitlementIn,
} from '../../store/entitlements.ts';
import {
  type PendingLoad,
  becomeLoadOwner,
  endPendingLoad,
  insertPendingLoad,
  reserveKeySeqs,
  stillOwned,
} from '../../store/pending-loads.ts';
import {
  type KeyBatchWriter,
  type NewKey,
  adjustKeyCounters,
  insertKeyLoad,
  keyBatchWriter,
  keyLoadIdsOf,
  readKeySeq,
  refreshKeyStatistics,
} from '../../store/web-register-keys.ts';
import { isProducer, requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { type IdempotencyRequest, rememberAnswer, replayedAnswer, scopeOf } from '../idempotency.ts';
import { findVisibleBulkEntitlement } from './find-bulk-entitlement.ts';
import { discardPendingLoad, yieldToOthers } from './pending-loads.ts';

export type KeySource =
  /** The lines of a key file: one key per line, blank lines and `#` comments skipped. */
  | { kind: 'lines'; lines: AsyncIterable<string> }
  | { kind: 'list'; keys: readonly string[] }
  | { kind: 'generate'; count: number; prefix?: string | undefined };

export interface LoadKeysOptions {
  /** Load the good keys and report the others, instead of all or nothing. */
  partial: boolean;
  idempotency?: IdempotencyRequest | undefined;
}

export interface KeyLoadResult {
  loadId: string;
  entitlementId: string;
  added: number;
  rejected: RejectedKey[];
}

export const MAX_GENERATED_KEYS = 1_000_000;
/** Keys per insert statement (and per look-up of clashing codes). */
const BATCH = 2000;
/** Keys read from the source before they are written (in one or more transactions). */
const CHUNK = 20_000;
/**
 * How long one transaction of a load goes on adding batches: other writers (on SQLite, every
 * query) and the code namespace lock wait at most about this long, plus one batch.
 */
const CHUNK_MS = 150;
const LOADABLE = ['draft', 'test', 'deployed'] as const;

/** Whether to offer this person key uploads, pastes and generation: loading keys is the producer's. */
export function mayLoadKeys(actor: Actor): boolean {
  return isProducer(actor);
}

/**
 * Loads keys into a bulk entitlement, streaming them so that memory does not grow with the number
 * of keys. All or nothing unless `partial`: one bad or duplicate key rejects the load, and the
 * answer names every rejected key and why.
 *
 * The keys are written as a pending load, in chunks that each commit on their own, and become
 * visible (listed, counted, redeemable) in one short last transaction; so other writers wait at
 * most a chunk, never the whole load. A load that fails discards its chunks; the chunks of a load
 * whose server died are discarded by the next server start (`sweepAbandonedLoads`).
 */
export async function loadWebRegisterKeys(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  source: KeySource,
  options: LoadKeysOptions,
): Promise<KeyLoadResult> {
  requireProducer(actor);
  if (source.kind === 'generate' && (source.count < 1 || source.count > MAX_GENERATED_KEYS)) {
    throw new AppError('VALIDATION_FAILED', `Generate between 1 and ${MAX_GENERATED_KEYS} keys at a time.`, {
      fields: [{ field: '/generate', message: `must be 1 to ${MAX_GENERATED_KEYS}` }],
    });
  }
  let big = source.kind === 'generate' && source.count >= BIG_LOAD;
  try {
    const result = await load(ctx, actor, entitlementId, source, options);
    big ||= result.added >= BIG_LOAD;
    return result;
  } catch (error) {
    // A failed load leaves what it wrote in the SQLite log too.
    big = true;
    throw error;
  } finally {
    // A checkpoint that cannot finish now (another process reading) is left to the next one.
    if (big) await ctx.store.checkpoint().catch(() => undefined);
  }
}

/** Keys past which a load is followed by a checkpoint of the SQLite log. */
const BIG_LOAD = 50_000;

async function load(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  source: KeySource,
  options: LoadKeysOptions,
): Promise<KeyLoadResult> {
  const owner = await becomeLoadOwner(ctx.store);
  try {
    const start = await inTransaction(ctx, async (tx, at) => {
      const bulk = await findVisibleBulkEntitlement(tx, actor, entitlementId);
      const operation = `load-keys ${bulk.pk}`;
      // The claim commits here, before the keys: a twin sent meanwhile is told the first is still
      // being processed, and a failed load drops the claim (discardPendingLoad).
      if (options.idempotency) {
        const replay = await replayedAnswer<KeyLoadResult>(tx, actor, operation, options.idempotency, at);
        if (replay) return { replayed: replay };
      }
      await requireLoadable(tx, bulk, at);
      const pending: PendingLoad = {
        id: newId('keyLoad'),
        entitlementPk: bulk.pk,
        owner: owner.id,
        firstSeq: await readKeySeq(tx, bulk.pk),
        idempotency: options.idempotency ? { scope: scopeOf(actor, operation), key: options.idempotency.key } : null,
      };
      await insertPendingLoad(tx, pending, at);
      return { replayed: undefined, bulk, operation, pending };
    });
    if (start.replayed) return start.replayed;
    const { bulk, operation, pending } = start;
    try {
      const written = await writeChunks(ctx, bulk, pending, source);
      const { added, rejected } = written;
      if (added === 0 && rejected.length === 0) {
        throw new AppError('UNPROCESSABLE', 'The load holds no keys.');
      }
      if (rejected.length > 0 && !options.partial) {
        throw new AppError(
          'KEYS_REJECTED',
          `${counted(rejected.length, 'key')} ${rejected.length === 1 ? 'was' : 'were'} rejected, so none was loaded (use ?partial=true to load the others).${clashNote(rejected)}`,
          {
            extensions: { added: 0, rejected },
          },
        );
      }
      await refreshKeyStatistics(ctx.store, ctx.store.db, added);
      // The one short transaction that makes the whole load visible, counted and audited.
      return await inTransaction(ctx, async (tx, at) => {
        await requireLoadable(tx, bulk, at);
        if (!(await endPendingLoad(tx, pending.id, owner.id))) throw loadEnded();
        await adjustKeyCounters(tx, bulk.pk, { total: added, unredeemed: added }, at);
        await insertKeyLoad(tx, {
          id: pending.id,
          entitlementPk: bulk.pk,
          actor: actorLabelOf(actor),
          source: source.kind,
          added,
          rejected: rejected.length,
          firstSeq: written.firstSeq,
          lastSeq: written.lastSeq,
          at,
        });
        const result: KeyLoadResult = { loadId: pending.id, entitlementId: bulk.id, added, rejected };
        await audit(tx, actor, at, {
          action: 'web-register-keys.loaded',
          subjectType: 'entitlement',
          subjectId: bulk.pk,
          after: {
            loadId: pending.id,
            source: source.kind,
            added,
            rejected: rejected.length,
            partial: options.partial,
          },
        });
        if (options.idempotency) await rememberAnswer(tx, actor, operation, options.idempotency, 201, result);
        return result;
      });
    } catch (error) {
      // If even that fails (the database is away), the load stays pending with an owner that is
      // gone once this returns, and the next sweep discards it; the first error is the answer.
      await discardPendingLoad(ctx.store, pending, owner.id).catch(() => undefined);
      throw error;
    }
  } finally {
    await owner.release();
  }
}

async function requireLoadable(tx: Db, bulk: EntitlementRecord, at: string): Promise<void> {
  // Also takes the row lock on PostgreSQL: the load's last step waits for a change of state.
  if (!(await touchEntitlementIn(tx, bulk.pk, LOADABLE, at))) {
    const now = await findEntitlementRecordByPk(tx, bulk.pk);
    throw new AppError(
      'INVALID_STATE',
      `Entitlement ${bulk.id} is ${now?.state ?? 'deleted'}; keys are loaded in draft, test or deployed.`,
    );
  }
}

function loadEnded(): AppError {
  return new AppError(
    'INVALID_STATE',
    'The load was ended before it finished (its entitlement was deleted meanwhile); none of its keys was loaded.',
  );
}

interface WrittenKeys {
  added: number;
  rejected: RejectedKey[];
  firstSeq: number | null;
  lastSeq: number | null;
}

/**
 * Writes the keys of a pending load in short transactions (each adds batches for at most about
 * `CHUNK_MS`), yielding between them so that other requests (and on SQLite, other writers) go on. Each chunk checks its codes against
 * line items' activation IDs under the code namespace lock and inserts them (the key table's
 * primary key refuses codes any other load holds, pending or not), so once a chunk commits its
 * codes are taken, even though its keys are not visible yet.
 */
async function writeChunks(
  ctx: ServiceContext,
  bulk: EntitlementRecord,
  pending: PendingLoad,
  source: KeySource,
): Promise<WrittenKeys> {
  const written: WrittenKeys = { added: 0, rejected: [], firstSeq: null, lastSeq: null };

  // The keys of `chunk` go in as many transactions as the time budget needs, each one batch at least.
  const writeChunk = async (chunk: { code: string; key: string }[]): Promise<number> => {
    let added = 0;
    for (let rest = chunk; rest.length > 0; ) {
      const pieces = rest;
      const outcome = await inTransaction(ctx, async (tx, at) => {
        if (!(await stillOwned(tx, pending.id, pending.owner, at))) throw loadEnded();
        if (source.kind !== 'generate') await lockCodeNamespace(tx, 'exclusive');
        const started = performance.now();
        const write = keyBatchWriter(ctx.store, tx, { entitlementPk: bulk.pk, loadId: pending.id, at });
        const done = { taken: 0, added: 0, rejected: [] as RejectedKey[], firstSeq: null as number | null, lastSeq: 0 };
        while (done.taken < pieces.length && (done.taken === 0 || performance.now() - started < CHUNK_MS)) {
          const batch = pieces.slice(done.taken, done.taken + BATCH);
          // Positions are taken in the chunk's transaction: on PostgreSQL its row lock on the
          // entitlement lasts one chunk, and a failed chunk hands them back.
          const first = await reserveKeySeqs(tx, bulk.pk, batch.length);
          const keys: NewKey[] = batch.map((k, i) => ({ ...k, seq: first + i }));
          done.added += await writeBatch(tx, write, bulk, pending.id, keys, source, done.rejected);
          done.taken += batch.length;
          done.firstSeq ??= first;
          done.lastSeq = first + batch.length - 1;
        }
        return done;
      });
      rest = pieces.slice(outcome.taken);
      added += outcome.added;
      written.added += outcome.added;
      written.rejected.push(...outcome.rejected);
      written.firstSeq ??= outcome.firstSeq;
      written.lastSeq = outcome.lastSeq;
      await yieldToOthers();
    }
    return added;
  };

  if (source.kind === 'generate') {
    const prefix = source.prefix ?? bulk.keyPrefix ?? undefined;
    let wanted = source.count;
    // A generated key that collides (astronomically rare) is replaced by another one.
    while (wanted > 0) {
      const chunk = Array.from({ length: Math.min(wanted, CHUNK) }, () => {
        const key = generateCode(prefix);
        return { code: normalizeCode(key), key };
      });
      wanted -= await writeChunk(chunk);
    }
    return written;
  }

  let chunk: { code: string; key: string }[] = [];
  const take = async (raw: string): Promise<void> => {
    if (!isValidCode(raw)) {
      written.rejected.push({ key: shown(raw), reason: 'invalid' });
      return;
    }
    chunk.push({ code: normalizeCode(raw), key: displayCode(raw) });
    if (chunk.length >= CHUNK) {
      await writeChunk(chunk);
      chunk = [];
    }
  };
  if (source.kind === 'list') {
    for (const raw of source.keys) await take(raw.trim());
  } else {
    for await (const line of source.lines) {
      const raw = keyFromLine(line);
      if (raw !== undefined) await take(raw);
    }
  }
  await writeChunk(chunk);
  return written;
}

/**
 * Inserts one batch of a chunk and reports into `rejected` the keys that could not be added (for
 * generated keys, nothing: the caller replaces them). Answers how many it added.
 */
async function writeBatch(
  tx: Db,
  write: KeyBatchWriter,
  bulk: EntitlementRecord,
  loadId: string,
  batch: NewKey[],
  source: KeySource,
  rejected: RejectedKey[],
): Promise<number> {
  const onLineItems = new Set(
    await lineItemCodesExist(
      tx,
      batch.map((k) => k.code),
    ),
  );
  const free = onLineItems.size === 0 ? batch : batch.filter((k) => !onLineItems.has(k.code));
  const taken = await takenEntitlementIds(tx, bulk, free);
  const candidates = taken.size === 0 ? free : free.filter((k) => !taken.has(k.code));
  const existing = await write(candidates);
  const added = candidates.length - existing.length;
  if (source.kind === 'generate') return added;
  for (const k of batch) if (onLineItems.has(k.code)) rejected.push({ key: shown(k.key), reason: 'already-exists' });
  for (const k of free) {
    const clash = taken.get(k.code);
    if (clash !== undefined) rejected.push({ key: shown(k.key), reason: 'entitlement-id-taken', entitlementId: clash });
  }
  if (existing.length === 0) return added;
  const loads = await keyLoadIdsOf(tx, existing);
  const shownAs = new Map(candidates.map((k) => [k.code, k.key]));
  for (const code of existing) {
    rejected.push({
      key: shown(shownAs.get(code) ?? code),
      reason: loads.get(code) === loadId ? 'duplicate-in-load' : 'already-exists',
    });
  }
  return added;
}

/**
 * The entitlement ID each key's redemption would get under the bulk entitlement's pattern, where an
 * entitlement has it already (keyed by key code): refused at load, so that a redemption never
 * has to fall back to a generated ID the partner did not expect.
 */
async function takenEntitlementIds(
  tx: Db,
  bulk: { id: string; entitlementIdPattern: string | null },
  keys: readonly NewKey[],
): Promise<Map<string, string>> {
  const idOf = new Map<string, string>();
  for (const k of keys) {
    const id = applyEntitlementIdPattern(bulk.entitlementIdPattern ?? DEFAULT_ENTITLEMENT_ID_PATTERN, {
      key: k.key,
      bulk: bulk.id,
      seq: k.seq,
    });
    if (id !== undefined) idOf.set(id, k.code);
  }
  const taken = new Map<string, string>();
  for (const id of await entitlementIdsExist(tx, [...idOf.keys()])) {
    const code = idOf.get(id);
    if (code !== undefined) taken.set(code, id);
  }
  return taken;
}

function clashNote(rejected: readonly RejectedKey[]): string {
  const clash = rejected.find((r) => r.reason === 'entitlement-id-taken');
  return clash
    ? ` Key ${clash.key} would be redeemed as entitlement ${clash.entitlementId}, which exists already: change the entitlement ID pattern or the key.`
    : '';
}

/** A rejected line is echoed back, but a pasted novel is not. */
function shown(raw: string): string {
  return raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
}
