import { sql } from 'kysely';
import type { KeyState, WebRegisterKey } from '../domain/bulk.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { ExpressionBuilder } from 'kysely';
import type { Db, Store } from './database.ts';
import type { Database, Row, RowUpdate } from './schema.ts';

type KeyRow = Row<'web_register_keys'>;

/**
 * The loads still being written (`pending_key_loads`): their keys hold their codes (the primary
 * key and `keyCodesExist` see them) but are otherwise not there yet, so every read, count and
 * change of keys goes by `load_id not in` these. There are seldom more than a few.
 */
function pendingLoadIds(eb: ExpressionBuilder<Database, 'web_register_keys'>) {
  return eb.selectFrom('pending_key_loads').select('id');
}

/** A web register key as services work with it, with the internal keys of its entitlements. */
export interface KeyRecord {
  /** The normalised key (`normalizeCode`), what look-ups and uniqueness go by. */
  code: string;
  /** The key as shown: as loaded, in upper case. */
  key: string;
  /** The bulk entitlement that holds it. */
  entitlementPk: string;
  /** Its position in the bulk entitlement, in load order. */
  seq: number;
  state: KeyState;
  loadId: string;
  createdAt: string;
  /** The simple entitlement it became. */
  redeemedEntitlementPk: string | null;
  redeemedAt: string | null;
  voidedAt: string | null;
}

function toKeyRecord(row: KeyRow): KeyRecord {
  return {
    code: row.code,
    key: row.key,
    entitlementPk: row.entitlement_pk,
    seq: row.seq,
    state: row.state as KeyState,
    loadId: row.load_id,
    createdAt: row.created_at,
    redeemedEntitlementPk: row.redeemed_entitlement_pk,
    redeemedAt: row.redeemed_at,
    voidedAt: row.voided_at,
  };
}

export interface NewKey {
  code: string;
  key: string;
  seq: number;
}

/**
 * Inserts a batch of keys of one load and answers the codes that were not inserted because the
 * code exists already. The key table is the one place where millions of rows arrive in one
 * request, so this bypasses the query builder: a prepared statement on SQLite, one `unnest`
 * insert per batch on PostgreSQL, both inside the caller's transaction.
 */
export type KeyBatchWriter = (keys: NewKey[]) => Promise<string[]>;

export function keyBatchWriter(
  store: Store,
  tx: Db,
  common: { entitlementPk: string; loadId: string; at: string },
): KeyBatchWriter {
  if (store.sqlite) {
    const insert = store.cachedStatement(
      `insert or ignore into web_register_keys (code, key, entitlement_pk, seq, state, load_id, created_at)
       values (?, ?, ?, ?, 'unredeemed', ?, ?)`,
    );
    return async (keys) => {
      const existing: string[] = [];
      for (const k of keys) {
        if (insert.run(k.code, k.key, common.entitlementPk, k.seq, common.loadId, common.at).changes === 0)
          existing.push(k.code);
      }
      return existing;
    };
  }
  return async (keys) => {
    if (keys.length === 0) return [];
    const result = await sql<{ code: string }>`
      insert into web_register_keys (code, key, entitlement_pk, seq, state, load_id, created_at)
      select code, key, ${common.entitlementPk}, seq, 'unredeemed', ${common.loadId}, ${common.at}
      from unnest(${keys.map((k) => k.code)}::text[], ${keys.map((k) => k.key)}::text[], ${keys.map((k) => k.seq)}::int[]) as t(code, key, seq)
      on conflict (code) do nothing
      returning code`.execute(tx);
    if (result.rows.length === keys.length) return [];
    // A code that appears twice in one batch is inserted once: the second copy is the duplicate.
    const inserted = new Set(result.rows.map((r) => r.code));
    return keys.filter((k) => !inserted.delete(k.code)).map((k) => k.code);
  };
}

export async function keyLoadIdsOf(db: Db, codes: string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await db
    .selectFrom('web_register_keys')
    .select(['code', 'load_id'])
    .where('code', 'in', codes)
    .execute();
  return new Map(rows.map((r) => [r.code, r.load_id]));
}

/** Which of these codes keys hold, pending loads' keys included: their codes are taken. */
export async function keyCodesExist(db: Db, codes: string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const rows = await db.selectFrom('web_register_keys').select('code').where('code', 'in', codes).execute();
  return rows.map((r) => r.code);
}

export interface KeyCounterChange {
  total?: number;
  unredeemed?: number;
  redeemed?: number;
  void?: number;
}

/** Moves a bulk entitlement's key counters in the same statement-level step as the keys themselves. */
export async function adjustKeyCounters(
  db: Db,
  entitlementPk: string,
  change: KeyCounterChange,
  at: string,
): Promise<void> {
  await db
    .updateTable('entitlements')
    .set({
      keys_total: sql`keys_total + ${change.total ?? 0}`,
      keys_unredeemed: sql`keys_unredeemed + ${change.unredeemed ?? 0}`,
      keys_redeemed: sql`keys_redeemed + ${change.redeemed ?? 0}`,
      keys_void: sql`keys_void + ${change.void ?? 0}`,
      updated_at: at,
    })
    .where('pk', '=', entitlementPk)
    .execute();
}

export async function setKeySeq(db: Db, entitlementPk: string, next: number): Promise<void> {
  await db.updateTable('entitlements').set({ key_seq: next }).where('pk', '=', entitlementPk).execute();
}

export async function readKeySeq(db: Db, entitlementPk: string): Promise<number> {
  const row = await db
    .selectFrom('entitlements')
    .select('key_seq')
    .where('pk', '=', entitlementPk)
    .executeTakeFirstOrThrow();
  return row.key_seq;
}

/** One load of keys into a bulk entitlement: who loaded how many, and which positions they took. */
export interface KeyLoad {
  id: string;
  entitlementPk: string;
  actor: string;
  source: string;
  added: number;
  rejected: number;
  firstSeq: number | null;
  lastSeq: number | null;
  at: string;
}

export async function insertKeyLoad(db: Db, load: KeyLoad): Promise<void> {
  await db
    .insertInto('key_loads')
    .values({
      id: load.id,
      entitlement_pk: load.entitlementPk,
      actor: load.actor,
      source: load.source,
      added: load.added,
      rejected: load.rejected,
      first_seq: load.firstSeq,
      last_seq: load.lastSeq,
      created_at: load.at,
    })
    .execute();
}

/** The key whose normalised form is `code`, unless its load is still pending. */
export async function findKeyRecord(db: Db, code: string): Promise<KeyRecord | undefined> {
  const row = await db
    .selectFrom('web_register_keys')
    .selectAll()
    .where('code', '=', code)
    .where('load_id', 'not in', pendingLoadIds)
    .executeTakeFirst();
  return row && toKeyRecord(row);
}

/**
 * Redeems only a key that is still unredeemed and still in the bulk entitlement it was read from:
 * of any number of concurrent attempts, one wins. The entitlement it becomes is linked once made.
 */
export async function claimKey(db: Db, code: string, bulkPk: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('web_register_keys')
    .set({ state: 'redeemed', redeemed_at: at })
    .where('code', '=', code)
    .where('entitlement_pk', '=', bulkPk)
    .where('state', '=', 'unredeemed')
    .where('load_id', 'not in', pendingLoadIds)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function linkRedeemedKey(db: Db, code: string, redeemedEntitlementPk: string): Promise<void> {
  await db
    .updateTable('web_register_keys')
    .set({ redeemed_entitlement_pk: redeemedEntitlementPk })
    .where('code', '=', code)
    .execute();
}

/** Voids the unredeemed ones among `codes` of one bulk entitlement; answers the codes voided. */
export async function voidKeys(db: Db, entitlementPk: string, codes: string[], at: string): Promise<string[]> {
  if (codes.length === 0) return [];
  const rows = await db
    .updateTable('web_register_keys')
    .set({ state: 'void', voided_at: at })
    .where('entitlement_pk', '=', entitlementPk)
    .where('code', 'in', codes)
    .where('state', '=', 'unredeemed')
    .where('load_id', 'not in', pendingLoadIds)
    .returning('code')
    .execute();
  return rows.map((r) => r.code);
}

/** Voids the first `count` unredeemed keys (by position) of a bulk entitlement; answers how many it voided. */
export function voidFirstUnredeemedKeys(db: Db, entitlementPk: string, count: number, at: string): Promise<number> {
  return changeFirstUnredeemedKeys(db, entitlementPk, count, { state: 'void', voided_at: at });
}

/** Moves the first `count` unredeemed keys (by position) to another bulk entitlement. */
export function moveFirstUnredeemedKeys(db: Db, fromPk: string, toPk: string, count: number): Promise<number> {
  return changeFirstUnredeemedKeys(db, fromPk, count, { entitlement_pk: toPk });
}

async function changeFirstUnredeemedKeys(
  db: Db,
  entitlementPk: string,
  count: number,
  changes: RowUpdate<'web_register_keys'>,
): Promise<number> {
  const result = await db
    .updateTable('web_register_keys')
    .set(changes)
    .where('code', 'in', (eb) =>
      eb
        .selectFrom('web_register_keys')
        .select('code')
        .where('entitlement_pk', '=', entitlementPk)
        .where('state', '=', 'unredeemed')
        .where('load_id', 'not in', pendingLoadIds)
        .orderBy('seq')
        .limit(count),
    )
    // Checked again on the row itself: a key redeemed meanwhile stays redeemed, and does not move.
    .where('entitlement_pk', '=', entitlementPk)
    .where('state', '=', 'unredeemed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Moves the named keys if they are unredeemed keys of `fromPk`; answers the codes moved. */
export async function moveKeys(db: Db, fromPk: string, toPk: string, codes: string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const rows = await db
    .updateTable('web_register_keys')
    .set({ entitlement_pk: toPk })
    .where('entitlement_pk', '=', fromPk)
    .where('code', 'in', codes)
    .where('state', '=', 'unredeemed')
    .where('load_id', 'not in', pendingLoadIds)
    .returning('code')
    .execute();
  return rows.map((r) => r.code);
}

export interface KeyFilter {
  state?: KeyState | undefined;
  loadId?: string | undefined;
}

export async function listKeys(
  db: Db,
  entitlementPk: string,
  filter: KeyFilter,
  page: PageRequest,
  names: KeyNames,
): Promise<Page<WebRegisterKey>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor, 'sequence');
  const afterSeq = after === undefined ? undefined : Number(after);
  const rows = await keysQuery(db, entitlementPk, filter, afterSeq)
    .limit(limit + 1)
    .execute();
  const records = rows.map(toKeyRecord);
  const resolved = await names(records);
  return toPage(
    records,
    limit,
    (r) => String(r.seq),
    (r) => toWebRegisterKey(r, resolved),
  );
}

/** Every key of a bulk entitlement, a batch at a time: an export of millions keeps memory flat. */
export async function* iterateKeys(
  db: Db,
  entitlementPk: string,
  filter: KeyFilter,
  names: KeyNames,
  batch = 5000,
): AsyncGenerator<WebRegisterKey[]> {
  let afterSeq: number | undefined;
  for (;;) {
    const records = (await keysQuery(db, entitlementPk, filter, afterSeq).limit(batch).execute()).map(toKeyRecord);
    if (records.length === 0) return;
    const resolved = await names(records);
    yield records.map((r) => toWebRegisterKey(r, resolved));
    afterSeq = records.at(-1)?.seq;
    if (records.length < batch) return;
  }
}

function keysQuery(db: Db, entitlementPk: string, filter: KeyFilter, afterSeq: number | undefined) {
  let query = db
    .selectFrom('web_register_keys')
    .selectAll()
    .where('entitlement_pk', '=', entitlementPk)
    .where('load_id', 'not in', pendingLoadIds);
  // A literal (from a closed set), so that SQLite may use the partial index of settled keys.
  if (filter.state) query = query.where('state', '=', sql.lit(filter.state));
  if (filter.loadId) query = query.where('load_id', '=', filter.loadId);
  if (afterSeq !== undefined && Number.isFinite(afterSeq)) query = query.where('seq', '>', afterSeq);
  return query.orderBy('seq');
}

/** Resolves the human entitlement IDs (`ent_…` → `ENT-…`) a batch of keys refers to. */
export type KeyNames = (keys: KeyRecord[]) => Promise<Map<string, string>>;

export function keyNamesFrom(db: Db): KeyNames {
  const cache = new Map<string, string>();
  return async (keys) => {
    const wanted = new Set<string>();
    for (const k of keys) {
      for (const pk of [k.entitlementPk, k.redeemedEntitlementPk]) if (pk !== null && !cache.has(pk)) wanted.add(pk);
    }
    if (wanted.size > 0) {
      const found = await db
        .selectFrom('entitlements')
        .select(['pk', 'id'])
        .where('pk', 'in', [...wanted])
        .execute();
      for (const f of found) cache.set(f.pk, f.id);
    }
    return cache;
  };
}

export function toWebRegisterKey(key: KeyRecord, ids: Map<string, string>): WebRegisterKey {
  return {
    key: key.key,
    state: key.state,
    entitlementId: ids.get(key.entitlementPk) ?? '',
    redeemedEntitlementId: key.redeemedEntitlementPk ? (ids.get(key.redeemedEntitlementPk) ?? null) : null,
    redeemedAt: key.redeemedAt,
    voidedAt: key.voidedAt,
    loadId: key.loadId,
    loadedAt: key.createdAt,
  };
}

/** Idempotency records: the first answer to a request, replayed to its retries. */
export async function claimIdempotencyKey(
  db: Db,
  scope: string,
  key: string,
  requestHash: string,
  at: string,
): Promise<{ requestHash: string; response: string | null } | undefined> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ scope, key, request_hash: requestHash, status: null, response: null, created_at: at })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return undefined;
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response'])
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { requestHash: row.request_hash, response: row.response };
}

/** Drops a claim that never got its answer. */
export async function forgetIdempotencyClaim(db: Db, scope: string, key: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('response', 'is', null)
    .execute();
}

export async function saveIdempotentResponse(
  db: Db,
  scope: string,
  key: string,
  status: number,
  response: string,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status, response })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .execute();
}

/**
 * After a large load PostgreSQL's statistics still describe the table before it, and the planner
 * would sort the whole bulk entitlement for every page of keys; refresh them before commit.
 * SQLite's planner uses the index without statistics.
 */
export async function refreshKeyStatistics(store: Store, tx: Db, added: number): Promise<void> {
  if (store.dialect === 'postgres' && added >= 10_000) await sql`analyze web_register_keys`.execute(tx);
}
