import { sql } from 'kysely';
import type { Activation, ActivationState, Device, Lease } from '../domain/activations.ts';
import type { EntitlementState } from '../domain/entitlement-states.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Scope } from '../domain/scope.ts';
import { ownedByVisibleAccount } from './accounts.ts';
import type { Db } from './database.ts';
import { withoutItsIndex } from './planner-hints.ts';
import { preparedQuery } from './prepared.ts';
import { countActivationEvent } from './report-counters.ts';
import { type LineItemRecord, toLineItemRecord } from './entitlements.ts';
import type { Ed25519PublicJwk } from '../licensing/ed25519-jwk.ts';
import type { NewRow, Row } from './schema.ts';
import { containsText } from './text-search.ts';

type ActivationRow = Row<'activations'>;

/** An activation as services work with it: the licence it holds and the internal keys it points at. */
export interface ActivationRecord {
  id: string;
  lineItemId: string;
  entitlementPk: string;
  deviceId: string;
  fingerprint: string;
  count: number;
  state: ActivationState;
  test: boolean;
  /** The line item's owner when activated; billing groups by these three. */
  accountId: string;
  tier1AccountId: string | null;
  /** The tier-2 partner (reseller) of the entitlement, if any (migration 0010). */
  tier2AccountId: string | null;
  productId: string;
  kid: string;
  /** The signed licence, returned again on a repeat activation of the same device. */
  token: string;
  /** The device's own public key, when it brought one (offline activation). */
  devicePublicKey: Ed25519PublicJwk | null;
  offline: boolean;
  issuedAt: string;
  expiresAt: string | null;
  /** When it was returned or revoked. */
  endedAt: string | null;
}

/** Field by field, as on the rest of the activation path. */
function toActivationRecord(row: ActivationRow): ActivationRecord {
  return {
    id: row.id,
    lineItemId: row.line_item_id,
    entitlementPk: row.entitlement_pk,
    deviceId: row.device_id,
    fingerprint: row.fingerprint,
    count: row.count,
    state: row.state as ActivationState,
    test: row.test === 1,
    accountId: row.account_id,
    tier1AccountId: row.tier1_account_id,
    tier2AccountId: row.tier2_account_id,
    productId: row.product_id,
    kid: row.kid,
    token: row.token,
    devicePublicKey: row.device_public_key === null ? null : (JSON.parse(row.device_public_key) as Ed25519PublicJwk),
    offline: row.offline === 1,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
  };
}

/**
 * Takes `count` of a line item's quantity if that keeps it within `quantity + overdraft` (overdraft
 * null: no limit) and the line item can still be activated. The condition is in the UPDATE itself,
 * against the row as it is then (a split may have lowered the quantity since it was read), so
 * concurrent activations can never take more than there is.
 */
export async function takeCount(db: Db, lineItemId: string, count: number, overdraft: number | null): Promise<boolean> {
  const changed =
    overdraft === null
      ? await takeUncountedQuery.run(db, { id: lineItemId, count })
      : await takeCountQuery.run(db, { id: lineItemId, count, overdraft });
  return changed === 1;
}

function takeFrom(db: Db, a: { id: string; count: number }) {
  return (
    db
      .updateTable('line_items')
      .set({ used_count: sql`used_count + ${a.count}` })
      .where('id', '=', a.id)
      // Still activatable when the row is written: a transfer or suspension that committed since the
      // line item was read makes this fail instead of using a count that has moved on.
      .where('state', 'in', [sql.lit('deployed'), sql.lit('test')])
  );
}

const takeCountQuery = preparedQuery(
  ['id', 'count', 'overdraft'],
  (db, a: { id: string; count: number; overdraft: number }) =>
    takeFrom(db, a).where(sql<boolean>`used_count + ${a.count} <= quantity + ${a.overdraft}`),
);

const takeUncountedQuery = preparedQuery(['id', 'count'], (db, a: { id: string; count: number }) => takeFrom(db, a));

/**
 * Gives a count back. A return by the customer side counts against the model's `maxRehosts`
 * (`returnLimit`), checked in the same statement; the producer's revocations do not count.
 */
export async function giveBackCount(
  db: Db,
  lineItemId: string,
  count: number,
  options: { countsAsReturn: boolean; returnLimit: number | null },
): Promise<boolean> {
  let query = db
    .updateTable('line_items')
    .set({ used_count: sql`used_count - ${count}`, ...(options.countsAsReturn && { returns: sql`returns + 1` }) })
    .where('id', '=', lineItemId);
  if (options.countsAsReturn && options.returnLimit !== null) query = query.where('returns', '<', options.returnLimit);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

type NewActivationRow = NewRow<'activations'>;

const activationColumnNames = [
  'id',
  'line_item_id',
  'entitlement_pk',
  'device_id',
  'fingerprint',
  'count',
  'state',
  'test',
  'account_id',
  'tier1_account_id',
  'tier2_account_id',
  'product_id',
  'kid',
  'token',
  'device_public_key',
  'offline',
  'issued_at',
  'expires_at',
  'ended_at',
] as const satisfies readonly (keyof NewActivationRow)[];

type InsertedActivation = Required<Pick<NewActivationRow, (typeof activationColumnNames)[number]>>;

const insertActivationQuery = preparedQuery(activationColumnNames, (db, row: InsertedActivation) =>
  db.insertInto('activations').values(row),
);

export async function insertActivation(db: Db, activation: ActivationRecord): Promise<void> {
  await insertActivationQuery.run(db, {
    id: activation.id,
    line_item_id: activation.lineItemId,
    entitlement_pk: activation.entitlementPk,
    device_id: activation.deviceId,
    fingerprint: activation.fingerprint,
    count: activation.count,
    state: activation.state,
    test: activation.test ? 1 : 0,
    account_id: activation.accountId,
    tier1_account_id: activation.tier1AccountId,
    tier2_account_id: activation.tier2AccountId,
    product_id: activation.productId,
    kid: activation.kid,
    token: activation.token,
    device_public_key: activation.devicePublicKey === null ? null : JSON.stringify(activation.devicePublicKey),
    offline: activation.offline ? 1 : 0,
    issued_at: activation.issuedAt,
    expires_at: activation.expiresAt,
    ended_at: activation.endedAt,
  });
}

/**
 * Counts a new activation in the billing counters. Apart from `insertActivation` so that the
 * activation can take its line item's count first: a transfer locks the line item, then the
 * counters of the activations it moves, and an activation must take the two in the same order.
 */
export async function countNewActivation(db: Db, activation: ActivationRecord): Promise<void> {
  await countActivationEvent(db, 'issued', activation.issuedAt, activation);
  if (activation.endedAt !== null && activation.state !== 'active')
    await countActivationEvent(db, activation.state, activation.endedAt, activation);
}

/** Ends an activation that is still active, and counts it; of two concurrent returns, one does it. */
export async function endActivation(
  db: Db,
  id: string,
  state: Exclude<ActivationState, 'active'>,
  at: string,
): Promise<boolean> {
  const ended = await db
    .updateTable('activations')
    .set({ state, ended_at: at })
    .where('id', '=', id)
    .where('state', '=', 'active')
    .returning(['test', 'tier1_account_id', 'tier2_account_id', 'account_id', 'product_id'])
    .executeTakeFirst();
  if (!ended) return false;
  await countActivationEvent(db, state, at, {
    test: ended.test === 1,
    tier1AccountId: ended.tier1_account_id,
    tier2AccountId: ended.tier2_account_id,
    accountId: ended.account_id,
    productId: ended.product_id,
  });
  return true;
}

export async function findActivationRecord(db: Db, id: string): Promise<ActivationRecord | undefined> {
  const row = await db.selectFrom('activations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toActivationRecord(row);
}

const activeActivationQuery = preparedQuery(
  ['lineItemId', 'fingerprint'],
  (db, a: { lineItemId: string; fingerprint: string }) =>
    db
      .selectFrom('activations')
      .selectAll()
      .where('line_item_id', '=', a.lineItemId)
      .where('fingerprint', '=', a.fingerprint)
      // A literal, not a parameter: only then may SQLite use the partial index `state = 'active'`.
      .where('state', '=', sql.lit('active')),
);

export async function findActiveActivation(
  db: Db,
  lineItemId: string,
  fingerprint: string,
): Promise<ActivationRecord | undefined> {
  const row = await activeActivationQuery.first(db, { lineItemId, fingerprint });
  return row && toActivationRecord(row);
}

const upsertDeviceQuery = preparedQuery(
  ['id', 'accountId', 'fingerprint', 'name', 'at'],
  (db, d: { id: string; accountId: string; fingerprint: string; name: string | null; at: string }) =>
    db
      .insertInto('devices')
      .values({
        id: d.id,
        account_id: d.accountId,
        fingerprint: d.fingerprint,
        name: d.name,
        created_at: d.at,
        last_seen_at: d.at,
      })
      .onConflict((oc) =>
        oc.columns(['account_id', 'fingerprint']).doUpdateSet((eb) => ({
          last_seen_at: eb.ref('excluded.last_seen_at'),
          name: sql<string | null>`coalesce(excluded.name, devices.name)`,
        })),
      )
      .returning(['id', 'name']),
);

/** The device of `fingerprint` owned by the account: made on first sight, in one race-free upsert. */
export async function upsertDevice(
  db: Db,
  device: { id: string; accountId: string; fingerprint: string; name: string | null; at: string },
): Promise<{ id: string; name: string | null }> {
  const row = await upsertDeviceQuery.first(db, device);
  if (!row) throw new Error('the device upsert returned nothing');
  return row;
}

/** What a validation needs to know about an activation now. */
export interface ActivationStatus {
  activationState: ActivationState;
  lineItemState: EntitlementState;
  entitlementState: EntitlementState;
  fingerprint: string;
  lineItemId: string;
}

const activationStatusQuery = preparedQuery(['id'], (db, a: { id: string }) =>
  db
    .selectFrom('activations as a')
    .innerJoin('line_items as li', 'li.id', 'a.line_item_id')
    .innerJoin('entitlements as e', 'e.pk', 'a.entitlement_pk')
    .select([
      'a.state as activation_state',
      'li.state as line_item_state',
      'e.state as entitlement_state',
      'a.fingerprint',
      'a.line_item_id',
    ])
    .where('a.id', '=', a.id),
);

export async function activationStatus(db: Db, id: string): Promise<ActivationStatus | undefined> {
  const row = await activationStatusQuery.first(db, { id });
  return (
    row && {
      activationState: row.activation_state as ActivationState,
      lineItemState: row.line_item_state as EntitlementState,
      entitlementState: row.entitlement_state as EntitlementState,
      fingerprint: row.fingerprint,
      lineItemId: row.line_item_id,
    }
  );
}

export interface ActivationFilter {
  entitlementPk?: string | undefined;
  lineItemId?: string | undefined;
  deviceId?: string | undefined;
  accountId?: string | undefined;
  state?: ActivationState | undefined;
  fingerprint?: string | undefined;
  test?: boolean | undefined;
  /** Newest first, as a person reads a list of what happened; API pages run oldest first. */
  newestFirst?: boolean | undefined;
}

const activationColumns = [
  'a.id',
  'a.line_item_id',
  'a.entitlement_pk',
  'a.device_id',
  'a.fingerprint',
  'a.count',
  'a.state',
  'a.test',
  'a.offline',
  'a.account_id',
  'a.product_id',
  'a.issued_at',
  'a.expires_at',
  'a.ended_at',
  'li.activation_id',
  'e.id as entitlement_id',
  'd.name as device_name',
] as const;

function activationsQuery(db: Db) {
  return db
    .selectFrom('activations as a')
    .innerJoin('line_items as li', 'li.id', 'a.line_item_id')
    .innerJoin('entitlements as e', 'e.pk', 'a.entitlement_pk')
    .innerJoin('devices as d', 'd.id', 'a.device_id')
    .select(activationColumns);
}

type ActivationView = Awaited<ReturnType<ReturnType<typeof activationsQuery>['executeTakeFirstOrThrow']>>;

function toActivation(row: ActivationView): Activation {
  return {
    id: row.id,
    activationId: row.activation_id,
    entitlementId: row.entitlement_id,
    deviceId: row.device_id,
    deviceName: row.device_name,
    fingerprint: row.fingerprint,
    count: row.count,
    state: row.state as ActivationState,
    test: row.test === 1,
    offline: row.offline === 1,
    accountId: row.account_id,
    productId: row.product_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
  };
}

export async function findActivation(db: Db, id: string, scope: Scope): Promise<Activation | undefined> {
  const row = await scopedActivations(activationsQuery(db), scope, db).where('a.id', '=', id).executeTakeFirst();
  return row && toActivation(row);
}

/** `findActivation` for many ids in one query (webhook bodies of a burst of activations); absent ids are left out. */
export async function findActivations(db: Db, ids: readonly string[], scope: Scope): Promise<Activation[]> {
  if (ids.length === 0) return [];
  const rows = await scopedActivations(activationsQuery(db), scope, db).where('a.id', 'in', ids).execute();
  return rows.map(toActivation);
}

export async function listActivations(
  db: Db,
  scope: Scope,
  filter: ActivationFilter,
  page: PageRequest,
): Promise<Page<Activation>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor, 'activation');
  let query = scopedActivations(activationsQuery(db), scope, db);
  if (filter.entitlementPk) query = query.where('a.entitlement_pk', '=', filter.entitlementPk);
  if (filter.lineItemId) query = query.where('a.line_item_id', '=', filter.lineItemId);
  if (filter.deviceId) query = query.where('a.device_id', '=', filter.deviceId);
  if (filter.accountId) query = query.where('a.account_id', '=', filter.accountId);
  if (filter.state) query = query.where('a.state', '=', filter.state);
  if (filter.fingerprint) query = query.where('a.fingerprint', '=', filter.fingerprint);
  if (filter.test !== undefined) query = query.where('a.test', '=', filter.test ? 1 : 0);
  if (after) query = query.where('a.id', filter.newestFirst ? '<' : '>', after);
  const rows = await query
    .orderBy('a.id', filter.newestFirst ? 'desc' : 'asc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toActivation);
}

/**
 * Activations a scope can see: a partner those of entitlements it owns or is channel partner on,
 * and those of its own customers; a customer (anonymous or not) its own.
 */
function scopedActivations<Q extends ReturnType<typeof activationsQuery>>(query: Q, scope: Scope, db: Db): Q {
  switch (scope.kind) {
    case 'all':
      return query;
    case 'partner':
      return query.where((eb) =>
        eb.or([
          eb('e.sold_to', '=', scope.accountId),
          eb('a.tier1_account_id', '=', scope.accountId),
          eb.exists(
            eb
              .selectFrom('entitlement_partners as p')
              .select('p.entitlement_pk')
              .whereRef('p.entitlement_pk', '=', 'a.entitlement_pk')
              .where(withoutItsIndex(db, 'p.account_id'), '=', scope.accountId),
          ),
        ]),
      ) as Q;
    case 'customer':
    case 'anonymous':
      return query.where('a.account_id', '=', scope.accountId) as Q;
  }
}

export interface DeviceFilter {
  accountId?: string | undefined;
  fingerprint?: string | undefined;
  /** The whole fingerprint, or part of the device's name (any case). */
  search?: string | undefined;
}

function devicesQuery(db: Db) {
  return db
    .selectFrom('devices as d')
    .select((eb) => [
      'd.id',
      'd.account_id',
      'd.fingerprint',
      'd.name',
      'd.created_at',
      'd.last_seen_at',
      eb
        .selectFrom('activations as a')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('a.device_id', '=', 'd.id')
        .where('a.state', '=', 'active')
        .as('active_activations'),
    ]);
}

function toDevice(row: Awaited<ReturnType<ReturnType<typeof devicesQuery>['executeTakeFirstOrThrow']>>): Device {
  return {
    id: row.id,
    accountId: row.account_id,
    fingerprint: row.fingerprint,
    name: row.name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    activeActivations: Number(row.active_activations ?? 0),
  };
}

/** Devices a scope can see: those of its own account, and for a partner those of its customers. */
function scopedDevices<Q extends ReturnType<typeof devicesQuery>>(query: Q, scope: Scope): Q {
  const condition = ownedByVisibleAccount('d.account_id', scope);
  return condition ? (query.where(condition) as Q) : query;
}

export async function listDevices(
  db: Db,
  scope: Scope,
  filter: DeviceFilter,
  page: PageRequest,
): Promise<Page<Device>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor, 'device');
  let query = scopedDevices(devicesQuery(db), scope);
  if (filter.accountId) query = query.where('d.account_id', '=', filter.accountId);
  if (filter.fingerprint) query = query.where('d.fingerprint', '=', filter.fingerprint);
  const search = filter.search;
  if (search) query = query.where((eb) => eb.or([eb('d.fingerprint', '=', search), containsText('d.name', search)]));
  if (after) query = query.where('d.id', '>', after);
  const rows = await query
    .orderBy('d.id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toDevice);
}

export async function findDevice(db: Db, id: string, scope: Scope): Promise<Device | undefined> {
  const row = await scopedDevices(devicesQuery(db), scope).where('d.id', '=', id).executeTakeFirst();
  return row && toDevice(row);
}

type LeaseRow = Row<'leases'>;

/** A floating seat held by one device until it expires or is released. */
export interface LeaseRecord {
  id: string;
  lineItemId: string;
  fingerprint: string;
  deviceName: string | null;
  test: boolean;
  createdAt: string;
  expiresAt: string;
  releasedAt: string | null;
}

function toLeaseRecord(row: LeaseRow): LeaseRecord {
  return {
    id: row.id,
    lineItemId: row.line_item_id,
    fingerprint: row.fingerprint,
    deviceName: row.device_name,
    test: row.test === 1,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    releasedAt: row.released_at,
  };
}

export async function countLiveLeases(db: Db, lineItemId: string, now: string): Promise<number> {
  const row = await db
    .selectFrom('leases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('line_item_id', '=', lineItemId)
    .where('released_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findLiveLease(
  db: Db,
  lineItemId: string,
  fingerprint: string,
  now: string,
): Promise<LeaseRecord | undefined> {
  const row = await db
    .selectFrom('leases')
    .selectAll()
    .where('line_item_id', '=', lineItemId)
    .where('fingerprint', '=', fingerprint)
    .where('released_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row && toLeaseRecord(row);
}

export async function insertLease(db: Db, lease: LeaseRecord): Promise<void> {
  await db
    .insertInto('leases')
    .values({
      id: lease.id,
      line_item_id: lease.lineItemId,
      fingerprint: lease.fingerprint,
      device_name: lease.deviceName,
      test: lease.test ? 1 : 0,
      created_at: lease.createdAt,
      expires_at: lease.expiresAt,
      released_at: lease.releasedAt,
    })
    .execute();
}

export async function findLeaseRecord(db: Db, id: string): Promise<LeaseRecord | undefined> {
  const row = await db.selectFrom('leases').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toLeaseRecord(row);
}

/** Extends a lease that is still live; an expired one may already have lost its seat. */
export async function extendLease(db: Db, id: string, now: string, expiresAt: string): Promise<boolean> {
  const result = await db
    .updateTable('leases')
    .set({ expires_at: expiresAt })
    .where('id', '=', id)
    .where('released_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function releaseLease(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('leases')
    .set({ released_at: at })
    .where('id', '=', id)
    .where('released_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export function toLease(lease: LeaseRecord, activationId: string, entitlementId: string): Lease {
  return {
    id: lease.id,
    activationId,
    entitlementId,
    fingerprint: lease.fingerprint,
    deviceName: lease.deviceName,
    test: lease.test,
    createdAt: lease.createdAt,
    expiresAt: lease.expiresAt,
    releasedAt: lease.releasedAt,
  };
}

/** The device's most recent activation of a line item, in whatever state. */
/** Whether a line item was ever activated on any device (an index probe, not a count). */
export async function lineItemWasActivated(db: Db, lineItemId: string): Promise<boolean> {
  const row = await db
    .selectFrom('activations')
    .select('id')
    .where('line_item_id', '=', lineItemId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findLatestActivation(
  db: Db,
  lineItemId: string,
  fingerprint: string,
): Promise<ActivationRecord | undefined> {
  const row = await db
    .selectFrom('activations')
    .selectAll()
    .where('line_item_id', '=', lineItemId)
    .where('fingerprint', '=', fingerprint)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toActivationRecord(row);
}

/**
 * Takes the line item's row lock (a no-op update) and answers the row as it is under the lock: a
 * quantity read before it may already be stale (a split committed meanwhile).
 */
export async function lockLineItem(db: Db, lineItemId: string): Promise<LineItemRecord> {
  await db.updateTable('line_items').set({ used_count: sql`used_count` }).where('id', '=', lineItemId).execute();
  return toLineItemRecord(
    await db.selectFrom('line_items').selectAll().where('id', '=', lineItemId).executeTakeFirstOrThrow(),
  );
}

export async function reissueLicense(
  db: Db,
  id: string,
  license: { token: string; kid: string; expiresAt: string | null },
): Promise<void> {
  await db
    .updateTable('activations')
    .set({ token: license.token, kid: license.kid, expires_at: license.expiresAt })
    .where('id', '=', id)
    .execute();
}
