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
import { entitlementIdsExist, lineItemCodesExist, touchEntitlementIn } from '../../store/entitlements.ts';
import {
  type NewKey,
  adjustKeyCounters,
  insertKeyLoad,
  keyBatchWriter,
  keyLoadIdsOf,
  readKeySeq,
  refreshKeyStatistics,
  setKeySeq,
} from '../../store/web-register-keys.ts';
import { isProducer, requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { type IdempotencyRequest, rememberAnswer, replayedAnswer } from '../idempotency.ts';
import { findVisibleBulkEntitlement } from './find-bulk-entitlement.ts';

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
const BATCH = 5000;
const LOADABLE = ['draft', 'test', 'deployed'] as const;

/** Whether to offer this person key uploads, pastes and generation: loading keys is the producer's. */
export function mayLoadKeys(actor: Actor): boolean {
  return isProducer(actor);
}

/**
 * Loads keys into a bulk entitlement in one transaction, streaming them in batches so that memory
 * does not grow with the number of keys. All or nothing unless `partial`: one bad or duplicate key
 * rejects the load, and the answer names every rejected key and why.
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
  return inTransaction(ctx, async (tx, at) => {
    const bulk = await findVisibleBulkEntitlement(tx, actor, entitlementId);
    const operation = `load-keys ${bulk.pk}`;
    if (options.idempotency) {
      const replay = await replayedAnswer<KeyLoadResult>(tx, actor, operation, options.idempotency, at);
      if (replay) return replay;
    }
    // Also takes the row lock on PostgreSQL: concurrent loads into one bulk entitlement queue up.
    if (!(await touchEntitlementIn(tx, bulk.pk, LOADABLE, at))) {
      throw new AppError(
        'INVALID_STATE',
        `Entitlement ${entitlementId} is ${bulk.state}; keys are loaded in draft, test or deployed.`,
      );
    }
    if (source.kind !== 'generate') await lockCodeNamespace(tx, 'exclusive');
    const loadId = newId('keyLoad');
    const firstSeq = await readKeySeq(tx, bulk.pk);
    const write = keyBatchWriter(ctx.store, tx, { entitlementPk: bulk.pk, loadId, at });
    let seq = firstSeq;
    let added = 0;
    const rejected: RejectedKey[] = [];
    let batch: NewKey[] = [];

    const flush = async (): Promise<void> => {
      const current = batch;
      batch = [];
      if (current.length === 0) return;
      const onLineItems = new Set(
        await lineItemCodesExist(
          tx,
          current.map((k) => k.code),
        ),
      );
      const free = onLineItems.size === 0 ? current : current.filter((k) => !onLineItems.has(k.code));
      const taken = await takenEntitlementIds(tx, bulk, free);
      const candidates = taken.size === 0 ? free : free.filter((k) => !taken.has(k.code));
      const existing = await write(candidates);
      added += candidates.length - existing.length;
      // Generated keys that collide are replaced by the caller, not reported.
      if (source.kind === 'generate') return;
      for (const k of current)
        if (onLineItems.has(k.code)) rejected.push({ key: shown(k.key), reason: 'already-exists' });
      for (const k of free) {
        const clash = taken.get(k.code);
        if (clash !== undefined)
          rejected.push({ key: shown(k.key), reason: 'entitlement-id-taken', entitlementId: clash });
      }
      if (existing.length === 0) return;
      const loads = await keyLoadIdsOf(tx, existing);
      const shownAs = new Map(candidates.map((k) => [k.code, k.key]));
      for (const code of existing) {
        rejected.push({
          key: shown(shownAs.get(code) ?? code),
          reason: loads.get(code) === loadId ? 'duplicate-in-load' : 'already-exists',
        });
      }
    };

    const take = async (raw: string): Promise<void> => {
      if (!isValidCode(raw)) {
        rejected.push({ key: shown(raw), reason: 'invalid' });
        return;
      }
      batch.push({ code: normalizeCode(raw), key: displayCode(raw), seq: seq++ });
      if (batch.length >= BATCH) await flush();
    };

    if (source.kind === 'generate') {
      const prefix = source.prefix ?? bulk.keyPrefix ?? undefined;
      let wanted = source.count;
      // A generated key that collides (astronomically rare) is replaced by another one.
      while (wanted > 0) {
        for (let i = Math.min(wanted, BATCH); i > 0; i--) {
          const key = generateCode(prefix);
          batch.push({ code: normalizeCode(key), key, seq: seq++ });
        }
        const before = added;
        await flush();
        wanted -= added - before;
      }
    } else if (source.kind === 'list') {
      for (const raw of source.keys) await take(raw.trim());
    } else {
      for await (const line of source.lines) {
        const raw = keyFromLine(line);
        if (raw !== undefined) await take(raw);
      }
    }
    await flush();

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
    await refreshKeyStatistics(ctx.store, tx, added);
    await setKeySeq(tx, bulk.pk, seq);
    await adjustKeyCounters(tx, bulk.pk, { total: added, unredeemed: added }, at);
    await insertKeyLoad(tx, {
      id: loadId,
      entitlementPk: bulk.pk,
      actor: actorLabelOf(actor),
      source: source.kind,
      added,
      rejected: rejected.length,
      firstSeq,
      lastSeq: seq - 1,
      at,
    });
    const result: KeyLoadResult = { loadId, entitlementId: bulk.id, added, rejected };
    await audit(tx, actor, at, {
      action: 'web-register-keys.loaded',
      subjectType: 'entitlement',
      subjectId: bulk.pk,
      after: { loadId, source: source.kind, added, rejected: rejected.length, partial: options.partial },
    });
    if (options.idempotency) await rememberAnswer(tx, actor, operation, options.idempotency, 201, result);
    return result;
  });
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
