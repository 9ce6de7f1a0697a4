import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { type EntitlementState, entitlementStates } from '../domain/entitlement-states.ts';
import type {
  ChannelPartner,
  Entitlement,
  EntitlementKind,
  LineItem,
  PartnerTier,
  Registration,
} from '../domain/entitlements.ts';
import type { RegistrationData } from '../domain/bulk.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Scope } from '../domain/scope.ts';
import type { Db } from './database.ts';
import { byPrimaryKeyOnly } from './planner-hints.ts';
import { preparedQuery } from './prepared.ts';
import type { Database, NewRow, Row, RowUpdate } from './schema.ts';

export type EntitlementRow = Row<'entitlements'>;
export type LineItemRow = Row<'line_items'>;

export async function insertEntitlement(
  db: Db,
  row: NewRow<'entitlements'>,
  partners: ChannelPartner[],
): Promise<void> {
  await db.insertInto('entitlements').values(row).execute();
  await insertPartners(db, row.pk, partners);
}

async function insertPartners(db: Db, entitlementPk: string, partners: ChannelPartner[]): Promise<void> {
  if (partners.length === 0) return;
  await db
    .insertInto('entitlement_partners')
    .values(
      partners.map((p) => ({
        entitlement_pk: entitlementPk,
        tier: p.tier,
        account_id: p.accountId,
        contact_id: p.contactId,
      })),
    )
    .execute();
}

export async function replacePartners(db: Db, entitlementPk: string, partners: ChannelPartner[]): Promise<void> {
  await db.deleteFrom('entitlement_partners').where('entitlement_pk', '=', entitlementPk).execute();
  await insertPartners(db, entitlementPk, partners);
}

export async function insertLineItems(db: Db, rows: NewRow<'line_items'>[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('line_items').values(rows).execute();
}

export async function findEntitlementRow(db: Db, id: string, scope: Scope): Promise<EntitlementRow | undefined> {
  return scoped(db.selectFrom('entitlements').selectAll('entitlements'), scope, db)
    .where('entitlements.id', '=', id)
    .executeTakeFirst();
}

export async function findEntitlementRowByPk(db: Db, pk: string): Promise<EntitlementRow | undefined> {
  return db.selectFrom('entitlements').selectAll().where('pk', '=', pk).executeTakeFirst();
}

/** The whole entitlement as the API shows it: partners and line items included. */
export async function loadEntitlement(
  db: Db,
  row: EntitlementRow,
  scope: Scope = { kind: 'all' },
): Promise<Entitlement> {
  const [loaded] = await loadEntitlements(db, [row], scope);
  if (!loaded) throw new Error(`entitlement ${row.pk} vanished while loading`);
  return loaded;
}

/** `scope` is the reader's: a line item's parent is named only to those who may see the parent. */
export async function loadEntitlements(
  db: Db,
  rows: EntitlementRow[],
  scope: Scope = { kind: 'all' },
): Promise<Entitlement[]> {
  if (rows.length === 0) return [];
  const pks = rows.map((r) => r.pk);
  const [partners, items, related] = await Promise.all([
    db.selectFrom('entitlement_partners').selectAll().where('entitlement_pk', 'in', pks).execute(),
    db.selectFrom('line_items').selectAll().where('entitlement_pk', 'in', pks).orderBy('position').execute(),
    relatedIds(db, rows),
  ]);
  const partnersByPk = groupBy(partners, (p) => p.entitlement_pk);
  const itemsByPk = groupBy(items, (i) => i.entitlement_pk);
  const parentActivationIds = await activationIdsOf(
    db,
    items.map((i) => i.parent_line_item_id).filter((id): id is string => id !== null),
    scope,
  );
  return rows.map((row) =>
    toEntitlement(
      row,
      partnersByPk.get(row.pk) ?? [],
      (itemsByPk.get(row.pk) ?? []).map((i) => toLineItem(i, row.id, parentActivationIds)),
      related,
    ),
  );
}

function toEntitlement(
  row: EntitlementRow,
  partners: Row<'entitlement_partners'>[],
  lineItems: LineItem[],
  related: Map<string, string>,
): Entitlement {
  const entitlement: Entitlement = {
    id: row.id,
    kind: row.kind as EntitlementKind,
    state: row.state as EntitlementState,
    soldTo: row.sold_to,
    description: row.description,
    shipToEmail: row.ship_to_email,
    shipToAddress: row.ship_to_address,
    channelPartners: sortPartners(
      partners.map((p) => ({ accountId: p.account_id, tier: p.tier as PartnerTier, contactId: p.contact_id })),
    ),
    lineItems,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.kind === 'bulk') {
    entitlement.productId = row.product_id ?? '';
    entitlement.quantityPerKey = row.quantity_per_key ?? 1;
    entitlement.entitlementIdPattern = row.entitlement_id_pattern ?? '';
    entitlement.registration = row.registration
      ? (JSON.parse(row.registration) as Registration)
      : { policy: 'none', fields: [] };
    entitlement.keyPrefix = row.key_prefix;
    entitlement.webRegisterKeys = {
      total: row.keys_total,
      unredeemed: row.keys_unredeemed,
      redeemed: row.keys_redeemed,
      void: row.keys_void,
    };
    entitlement.parentEntitlementId = row.parent_entitlement_pk
      ? (related.get(row.parent_entitlement_pk) ?? null)
      : null;
  }
  if (row.web_register_key !== null) entitlement.webRegisterKey = row.web_register_key;
  if (row.registration_data !== null)
    entitlement.registrationData = JSON.parse(row.registration_data) as RegistrationData;
  if (row.bulk_entitlement_pk !== null) entitlement.bulkEntitlementId = related.get(row.bulk_entitlement_pk) ?? '';
  return entitlement;
}

const tierOrder: Record<PartnerTier, number> = { tier1: 0, tier2: 1, endCustomer: 2 };

function sortPartners(partners: ChannelPartner[]): ChannelPartner[] {
  return partners.sort((a, b) => tierOrder[a.tier] - tierOrder[b.tier]);
}

export function toLineItem(
  row: LineItemRow,
  entitlementId: string,
  parentActivationIds: Map<string, string>,
): LineItem {
  return {
    activationId: row.activation_id,
    entitlementId,
    productId: row.product_id,
    quantity: row.quantity,
    activatedCount: row.used_count,
    state: row.state as EntitlementState,
    startDate: row.start_date,
    expirationDate: row.expiration_date,
    parentActivationId: row.parent_line_item_id ? (parentActivationIds.get(row.parent_line_item_id) ?? null) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Human IDs of the bulk and parent entitlements the rows point at. */
async function relatedIds(db: Db, rows: EntitlementRow[]): Promise<Map<string, string>> {
  const pks = [
    ...new Set(
      rows.flatMap((r) => [r.bulk_entitlement_pk, r.parent_entitlement_pk]).filter((pk): pk is string => pk !== null),
    ),
  ];
  if (pks.length === 0) return new Map();
  const found = await db.selectFrom('entitlements').select(['pk', 'id']).where('pk', 'in', pks).execute();
  return new Map(found.map((r) => [r.pk, r.id]));
}

/**
 * The activation IDs of line items, by line item id, leaving out those of entitlements `scope`
 * cannot see: after a partner splits stock to a customer, the partner's own code is not the
 * customer's to know.
 */
export async function activationIdsOf(
  db: Db,
  lineItemIds: string[],
  scope: Scope = { kind: 'all' },
): Promise<Map<string, string>> {
  if (lineItemIds.length === 0) return new Map();
  let query = db
    .selectFrom('line_items')
    .select(['line_items.id as id', 'line_items.activation_id as activation_id'])
    .where('line_items.id', 'in', [...new Set(lineItemIds)]);
  if (scope.kind !== 'all')
    query = query.where(
      'line_items.entitlement_pk',
      'in',
      scoped(db.selectFrom('entitlements').select('entitlements.pk'), scope, db),
    );
  const found = await query.execute();
  return new Map(found.map((r) => [r.id, r.activation_id]));
}

export interface EntitlementFilter {
  state?: EntitlementState | undefined;
  kind?: EntitlementKind | undefined;
  /** Sold to this account, or this account is one of its channel partners. */
  accountId?: string | undefined;
  productId?: string | undefined;
  bulkEntitlementPk?: string | undefined;
  /** Bulk entitlements split from this one. */
  parentEntitlementPk?: string | undefined;
}

export async function listEntitlements(
  db: Db,
  scope: Scope,
  filter: EntitlementFilter,
  page: PageRequest,
): Promise<Page<Entitlement>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor, 'entitlement');
  let query = scoped(db.selectFrom('entitlements').selectAll('entitlements'), scope, db);
  if (filter.state) query = query.where('entitlements.state', '=', filter.state);
  if (filter.kind) query = query.where('entitlements.kind', '=', filter.kind);
  if (filter.bulkEntitlementPk) query = query.where('entitlements.bulk_entitlement_pk', '=', filter.bulkEntitlementPk);
  if (filter.parentEntitlementPk)
    query = query.where('entitlements.parent_entitlement_pk', '=', filter.parentEntitlementPk);
  const accountId = filter.accountId;
  if (accountId)
    query = query.where((eb) => eb.or([eb('entitlements.sold_to', '=', accountId), partnerIs(eb, accountId, db)]));
  const productId = filter.productId;
  if (productId) {
    query = query.where((eb) =>
      eb.or([
        eb('entitlements.product_id', '=', productId),
        eb.exists(
          eb
            .selectFrom('line_items')
            .select('line_items.id')
            .whereRef('line_items.entitlement_pk', '=', 'entitlements.pk')
            .where('line_items.product_id', '=', productId),
        ),
      ]),
    );
  }
  if (after) query = query.where('entitlements.pk', '>', after);
  const rows = await query
    .orderBy('entitlements.pk')
    .limit(limit + 1)
    .execute();
  const page_ = toPage(
    rows,
    limit,
    (r) => r.pk,
    (r) => r,
  );
  return { items: await loadEntitlements(db, page_.items, scope), nextCursor: page_.nextCursor };
}

export async function updateEntitlementRow(db: Db, pk: string, changes: RowUpdate<'entitlements'>): Promise<void> {
  await db.updateTable('entitlements').set(changes).where('pk', '=', pk).execute();
}

/**
 * Moves the entitlement only if it is still in `from`, so two concurrent moves cannot both pass
 * the state check. Line items that are not obsolete follow it.
 */
export async function moveEntitlementState(
  db: Db,
  pk: string,
  from: EntitlementState,
  to: EntitlementState,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('entitlements')
    .set({ state: to, updated_at: at })
    .where('pk', '=', pk)
    .where('state', '=', from)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await db
    .updateTable('line_items')
    .set({ state: to, updated_at: at })
    .where('entitlement_pk', '=', pk)
    .where('state', '!=', 'obsolete')
    .execute();
  return true;
}

/** Deletes a draft or test entitlement and everything that hangs off it, test activations included. */
export async function deleteEntitlement(db: Db, pk: string): Promise<void> {
  const items = db.selectFrom('line_items').select('id').where('entitlement_pk', '=', pk);
  await db.deleteFrom('leases').where('line_item_id', 'in', items).execute();
  await db.deleteFrom('activations').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('web_register_keys').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('key_loads').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('line_items').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('entitlement_partners').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('entitlements').where('pk', '=', pk).execute();
}

export async function findLineItemRow(db: Db, activationCode: string): Promise<LineItemRow | undefined> {
  return db.selectFrom('line_items').selectAll().where('activation_code', '=', activationCode).executeTakeFirst();
}

/** Which of these entitlement IDs are taken. */
export async function entitlementIdsExist(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('entitlements').select('id').where('id', 'in', ids).execute();
  return rows.map((r) => r.id);
}

export async function lineItemCodesExist(db: Db, activationCodes: string[]): Promise<string[]> {
  if (activationCodes.length === 0) return [];
  const rows = await db
    .selectFrom('line_items')
    .select('activation_code')
    .where('activation_code', 'in', activationCodes)
    .execute();
  return rows.map((r) => r.activation_code);
}

export async function lineItemRowsOf(db: Db, entitlementPk: string): Promise<LineItemRow[]> {
  return db
    .selectFrom('line_items')
    .selectAll()
    .where('entitlement_pk', '=', entitlementPk)
    .orderBy('position')
    .execute();
}

/**
 * The line items that took over from `parentLineItemId` (split, transfer) and that the scope can
 * see, each with the human ID of its entitlement.
 */
export async function childLineItems(db: Db, parentLineItemId: string, scope: Scope): Promise<LineItem[]> {
  const rows = await db
    .selectFrom('line_items')
    .selectAll()
    .where('parent_line_item_id', '=', parentLineItemId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  if (rows.length === 0) return [];
  const visible = await scoped(db.selectFrom('entitlements').select(['entitlements.pk', 'entitlements.id']), scope, db)
    .where('entitlements.pk', 'in', [...new Set(rows.map((r) => r.entitlement_pk))])
    .execute();
  const idOf = new Map(visible.map((e) => [e.pk, e.id]));
  const parents = await activationIdsOf(db, [parentLineItemId]);
  return rows.flatMap((row) => {
    const entitlementId = idOf.get(row.entitlement_pk);
    return entitlementId === undefined ? [] : [toLineItem(row, entitlementId, parents)];
  });
}

export async function nextLineItemPosition(db: Db, entitlementPk: string): Promise<number> {
  const row = await db
    .selectFrom('line_items')
    .select((eb) => eb.fn.max<number | null>('position').as('max'))
    .where('entitlement_pk', '=', entitlementPk)
    .executeTakeFirst();
  return (row?.max ?? -1) + 1;
}

export async function updateLineItemRow(db: Db, id: string, changes: RowUpdate<'line_items'>): Promise<void> {
  await db.updateTable('line_items').set(changes).where('id', '=', id).execute();
}

export async function deleteLineItem(db: Db, id: string): Promise<void> {
  await db.deleteFrom('leases').where('line_item_id', '=', id).execute();
  await db.deleteFrom('activations').where('line_item_id', '=', id).execute();
  await db.deleteFrom('line_items').where('id', '=', id).execute();
}

type EntitlementQuery<O> = SelectQueryBuilder<Database, 'entitlements', O>;

function partnerIs(eb: ExpressionBuilder<Database, 'entitlements'>, accountId: string, db: Db) {
  return eb.exists(
    eb
      .selectFrom('entitlement_partners')
      .select('entitlement_partners.entitlement_pk')
      .whereRef('entitlement_partners.entitlement_pk', '=', 'entitlements.pk')
      .where(byPrimaryKeyOnly(db, 'entitlement_partners.account_id'), '=', accountId),
  );
}

/** Entitlements a scope can see (DESIGN.md §2 rule 4). */
export function scoped<O>(query: EntitlementQuery<O>, scope: Scope, db: Db): EntitlementQuery<O> {
  switch (scope.kind) {
    case 'all':
      return query;
    case 'partner':
      return query.where((eb) =>
        eb.or([eb('entitlements.sold_to', '=', scope.accountId), partnerIs(eb, scope.accountId, db)]),
      );
    case 'customer':
      return query.where('entitlements.sold_to', '=', scope.accountId);
    case 'anonymous':
      return query.where(sql<boolean>`1 = 0`);
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * Touches the entitlement only while it is in one of `states`. Besides answering whether it was,
 * this takes PostgreSQL's row lock, so no concurrent state move can slip in before the commit.
 */
export async function touchEntitlementIn(
  db: Db,
  pk: string,
  states: readonly EntitlementState[],
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('entitlements')
    .set({ updated_at: at })
    .where('pk', '=', pk)
    .where('state', 'in', states)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function loadEntitlementByPk(db: Db, pk: string): Promise<Entitlement> {
  const row = await findEntitlementRowByPk(db, pk);
  if (!row) throw new Error(`entitlement ${pk} does not exist`);
  return loadEntitlement(db, row);
}

export async function hasSplitChildren(db: Db, pk: string): Promise<boolean> {
  const row = await db
    .selectFrom('entitlements')
    .select('pk')
    .where('parent_entitlement_pk', '=', pk)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function partnersOfEntitlement(db: Db, pk: string): Promise<ChannelPartner[]> {
  const rows = await db.selectFrom('entitlement_partners').selectAll().where('entitlement_pk', '=', pk).execute();
  return sortPartners(
    rows.map((r) => ({ accountId: r.account_id, tier: r.tier as PartnerTier, contactId: r.contact_id })),
  );
}

export async function firstLineItemRow(db: Db, entitlementPk: string): Promise<LineItemRow | undefined> {
  return db
    .selectFrom('line_items')
    .selectAll()
    .where('entitlement_pk', '=', entitlementPk)
    .orderBy('position')
    .limit(1)
    .executeTakeFirst();
}

export async function findLineItemRowById(db: Db, id: string): Promise<LineItemRow | undefined> {
  return db.selectFrom('line_items').selectAll().where('id', '=', id).executeTakeFirst();
}

/** What activating a line item needs to know of its entitlement, tier-1 partner included. */
export interface EntitlementRef {
  pk: string;
  id: string;
  kind: string;
  state: string;
  sold_to: string | null;
  tier1: string | null;
  /** The tier-2 partner (a reseller the stock was split to), if any. */
  tier2: string | null;
}

export interface LineItemTarget {
  lineItem: LineItemRow;
  entitlement: EntitlementRef;
}

function lineItemTargets(db: Db) {
  return db
    .selectFrom('line_items as li')
    .innerJoin('entitlements as e', 'e.pk', 'li.entitlement_pk')
    .selectAll('li')
    .select((eb) => [
      'e.id as e_id',
      'e.kind as e_kind',
      'e.state as e_state',
      'e.sold_to as e_sold_to',
      // The partner billed for activations: the tier-1 channel partner or, for an entitlement sold
      // to a partner with none named (make to order), that partner itself.
      eb.fn
        .coalesce(
          eb
            .selectFrom('entitlement_partners as p')
            .select('p.account_id')
            .whereRef('p.entitlement_pk', '=', 'li.entitlement_pk')
            .where('p.tier', '=', sql.lit('tier1')),
          eb
            .selectFrom('accounts as buyer')
            .select('buyer.id')
            .whereRef('buyer.id', '=', 'e.sold_to')
            .where('buyer.type', '=', sql.lit('partner')),
        )
        .as('e_tier1'),
      eb
        .selectFrom('entitlement_partners as p2')
        .select('p2.account_id')
        .whereRef('p2.entitlement_pk', '=', 'li.entitlement_pk')
        .where('p2.tier', '=', sql.lit('tier2'))
        .as('e_tier2'),
    ]);
}

/**
 * Field by field rather than `{ e_id, ...lineItem } = row`: on the activation path the rest copy
 * of a driver row cost about 1 us, fifteen times this.
 */
function toTarget(
  row: LineItemRow & {
    e_id: string;
    e_kind: string;
    e_state: string;
    e_sold_to: string | null;
    e_tier1: string | null;
    e_tier2: string | null;
  },
): LineItemTarget {
  const lineItem: LineItemRow = {
    id: row.id,
    entitlement_pk: row.entitlement_pk,
    position: row.position,
    activation_id: row.activation_id,
    activation_code: row.activation_code,
    activation_id_generated: row.activation_id_generated,
    product_id: row.product_id,
    quantity: row.quantity,
    used_count: row.used_count,
    start_date: row.start_date,
    expiration_date: row.expiration_date,
    state: row.state,
    parent_line_item_id: row.parent_line_item_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    returns: row.returns,
  };
  return {
    lineItem,
    entitlement: {
      pk: row.entitlement_pk,
      id: row.e_id,
      kind: row.e_kind,
      state: row.e_state,
      sold_to: row.e_sold_to,
      tier1: row.e_tier1,
      tier2: row.e_tier2,
    },
  };
}

const lineItemTargetByCode = preparedQuery(['code'], (db, args: { code: string }) =>
  lineItemTargets(db).where('li.activation_code', '=', args.code),
);

/** The line item an activation code names, with its entitlement, in one query (the activation path). */
export async function findLineItemTarget(db: Db, activationCode: string): Promise<LineItemTarget | undefined> {
  const row = await lineItemTargetByCode.first(db, { code: activationCode });
  return row && toTarget(row);
}

export async function findLineItemTargetById(db: Db, lineItemId: string): Promise<LineItemTarget | undefined> {
  const row = await lineItemTargets(db).where('li.id', '=', lineItemId).executeTakeFirst();
  return row && toTarget(row);
}

/** The first line item of an entitlement (the only one, for an entitlement made by redemption). */
export async function findFirstLineItemTarget(db: Db, entitlementPk: string): Promise<LineItemTarget | undefined> {
  const row = await lineItemTargets(db)
    .where('li.entitlement_pk', '=', entitlementPk)
    .orderBy('li.position')
    .limit(1)
    .executeTakeFirst();
  return row && toTarget(row);
}

/** Web register key counts of the bulk entitlements in one state, summed from their counters. */
export interface StockCounts {
  state: EntitlementState;
  bulkEntitlements: number;
  total: number;
  unredeemed: number;
  redeemed: number;
  void: number;
}

/**
 * The key counters of every bulk entitlement a scope can see, summed per entitlement state. The
 * counters are kept by the statements that change keys, so a million keys cost nothing here; and
 * the state is listed in full so that the (state, kind) index finds the few bulk rows among the
 * millions of simple entitlements that redemptions make, without a scan.
 */
export async function stockCounts(db: Db, scope: Scope): Promise<StockCounts[]> {
  const rows = await scoped(
    db
      .selectFrom('entitlements')
      .select((eb) => [
        'entitlements.state',
        eb.fn.countAll<number>().as('bulk_entitlements'),
        eb.fn.sum<number>('entitlements.keys_total').as('total'),
        eb.fn.sum<number>('entitlements.keys_unredeemed').as('unredeemed'),
        eb.fn.sum<number>('entitlements.keys_redeemed').as('redeemed'),
        eb.fn.sum<number>('entitlements.keys_void').as('void'),
      ]),
    scope,
    db,
  )
    .where(
      'entitlements.state',
      'in',
      entitlementStates.map((s) => sql.lit(s)),
    )
    .where('entitlements.kind', '=', sql.lit('bulk'))
    .groupBy('entitlements.state')
    .execute();
  return rows.map((r) => ({
    state: r.state as EntitlementState,
    bulkEntitlements: Number(r.bulk_entitlements),
    total: Number(r.total ?? 0),
    unredeemed: Number(r.unredeemed ?? 0),
    redeemed: Number(r.redeemed ?? 0),
    void: Number(r.void ?? 0),
  }));
}
