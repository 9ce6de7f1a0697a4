import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { type EntitlementState, entitlementStates } from '../domain/entitlement-states.ts';
import type {
  ChannelPartner,
  Entitlement,
  EntitlementKind,
  LineItem,
  PartnerTier,
  PostalAddress,
  Registration,
  WebRegisterKeyCounts,
} from '../domain/entitlements.ts';
import { readPostalAddress, writePostalAddress } from '../domain/entitlements.ts';
import type { RegistrationData } from '../domain/bulk.ts';
import { normalizeCode } from '../domain/codes.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Scope } from '../domain/scope.ts';
import type { Db } from './database.ts';
import { withoutItsIndex } from './planner-hints.ts';
import { preparedQuery } from './prepared.ts';
import { uncountActivationsOf } from './report-counters.ts';
import type { Database, Row, RowUpdate } from './schema.ts';

type EntitlementRow = Row<'entitlements'>;
type LineItemRow = Row<'line_items'>;

/**
 * An entitlement as services work with it: its columns as domain values, with the internal `pk`
 * that other rows point at (the human `id` can change, e.g. when generated IDs are regenerated).
 */
export interface EntitlementRecord {
  pk: string;
  id: string;
  /** The ID was generated, not given; regenerating IDs replaces only generated ones. */
  idGenerated: boolean;
  kind: EntitlementKind;
  state: EntitlementState;
  soldTo: string | null;
  description: string | null;
  shipToEmail: string | null;
  shipToAddress: PostalAddress | null;
  /** Every new licence is mailed to the ship-to address (of a bulk one: of its redeemed keys). */
  emailLicenses: boolean;
  /** Bulk entitlements: the product, quantity and ID pattern of the entitlements their keys become. */
  productId: string | null;
  quantityPerKey: number | null;
  entitlementIdPattern: string | null;
  registration: Registration | null;
  keyPrefix: string | null;
  /** Entitlements made by redeeming a key: the key and the bulk entitlement it came from. */
  webRegisterKey: string | null;
  bulkEntitlementPk: string | null;
  /** The entitlement this one was split or transferred from. */
  parentEntitlementPk: string | null;
  registrationData: RegistrationData | null;
  keys: WebRegisterKeyCounts;
  /** The position the next loaded key gets. */
  keySeq: number;
  createdAt: string;
  updatedAt: string;
}

/** What a new entitlement is made of; the bulk and redemption fields default to none. */
export type NewEntitlement = Pick<
  EntitlementRecord,
  'pk' | 'id' | 'idGenerated' | 'kind' | 'state' | 'soldTo' | 'description'
> &
  Partial<
    Pick<
      EntitlementRecord,
      | 'shipToEmail'
      | 'shipToAddress'
      | 'emailLicenses'
      | 'productId'
      | 'quantityPerKey'
      | 'entitlementIdPattern'
      | 'registration'
      | 'keyPrefix'
      | 'webRegisterKey'
      | 'bulkEntitlementPk'
      | 'parentEntitlementPk'
      | 'registrationData'
    >
  > & { at: string };

/** The fields an edit may change. */
export type EntitlementChanges = Partial<
  Pick<
    EntitlementRecord,
    | 'id'
    | 'soldTo'
    | 'description'
    | 'shipToEmail'
    | 'shipToAddress'
    | 'emailLicenses'
    | 'productId'
    | 'quantityPerKey'
    | 'entitlementIdPattern'
    | 'registration'
    | 'keyPrefix'
  >
> & { at?: string };

/**
 * A line item as services work with it. `activationId` is the code as given or generated (what
 * people see); the store keeps its normalised form beside it for look-ups.
 */
export interface LineItemRecord {
  id: string;
  entitlementPk: string;
  position: number;
  activationId: string;
  activationIdGenerated: boolean;
  productId: string;
  quantity: number;
  /** Count taken by active activations. */
  usedCount: number;
  startDate: string | null;
  expirationDate: string | null;
  state: EntitlementState;
  parentLineItemId: string | null;
  /** Activations given back (returned or rehosted) by the customer side, limited by maxRehosts. */
  returns: number;
  /** The number of its current terms (`line_item_versions` keeps the earlier ones). */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type NewLineItem = Pick<
  LineItemRecord,
  | 'id'
  | 'entitlementPk'
  | 'position'
  | 'activationId'
  | 'activationIdGenerated'
  | 'productId'
  | 'quantity'
  | 'startDate'
  | 'expirationDate'
  | 'state'
> & { parentLineItemId?: string | null; at: string };

export type LineItemChanges = Partial<
  Pick<LineItemRecord, 'activationId' | 'productId' | 'quantity' | 'startDate' | 'expirationDate'>
> & { at: string };

export function toEntitlementRecord(row: EntitlementRow): EntitlementRecord {
  return {
    pk: row.pk,
    id: row.id,
    idGenerated: row.id_generated === 1,
    kind: row.kind as EntitlementKind,
    state: row.state as EntitlementState,
    soldTo: row.sold_to,
    description: row.description,
    shipToEmail: row.ship_to_email,
    shipToAddress: readPostalAddress(row.ship_to_address),
    emailLicenses: row.email_licenses === 1,
    productId: row.product_id,
    quantityPerKey: row.quantity_per_key,
    entitlementIdPattern: row.entitlement_id_pattern,
    registration: row.registration === null ? null : (JSON.parse(row.registration) as Registration),
    keyPrefix: row.key_prefix,
    webRegisterKey: row.web_register_key,
    bulkEntitlementPk: row.bulk_entitlement_pk,
    parentEntitlementPk: row.parent_entitlement_pk,
    registrationData: row.registration_data === null ? null : (JSON.parse(row.registration_data) as RegistrationData),
    keys: {
      total: row.keys_total,
      unredeemed: row.keys_unredeemed,
      redeemed: row.keys_redeemed,
      void: row.keys_void,
    },
    keySeq: row.key_seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Field by field: on the activation path a spread copy of a driver row costs more than this. */
export function toLineItemRecord(row: LineItemRow): LineItemRecord {
  return {
    id: row.id,
    entitlementPk: row.entitlement_pk,
    position: row.position,
    activationId: row.activation_id,
    activationIdGenerated: row.activation_id_generated === 1,
    productId: row.product_id,
    quantity: row.quantity,
    usedCount: row.used_count,
    startDate: row.start_date,
    expirationDate: row.expiration_date,
    state: row.state as EntitlementState,
    parentLineItemId: row.parent_line_item_id,
    returns: row.returns,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export async function insertEntitlement(
  db: Db,
  entitlement: NewEntitlement,
  partners: ChannelPartner[],
): Promise<void> {
  await db
    .insertInto('entitlements')
    .values({
      pk: entitlement.pk,
      id: entitlement.id,
      id_generated: entitlement.idGenerated ? 1 : 0,
      kind: entitlement.kind,
      state: entitlement.state,
      sold_to: entitlement.soldTo,
      description: entitlement.description,
      ship_to_email: entitlement.shipToEmail ?? null,
      ship_to_address: writePostalAddress(entitlement.shipToAddress ?? null),
      email_licenses: entitlement.emailLicenses ? 1 : 0,
      product_id: entitlement.productId ?? null,
      quantity_per_key: entitlement.quantityPerKey ?? null,
      entitlement_id_pattern: entitlement.entitlementIdPattern ?? null,
      registration: json(entitlement.registration),
      key_prefix: entitlement.keyPrefix ?? null,
      web_register_key: entitlement.webRegisterKey ?? null,
      bulk_entitlement_pk: entitlement.bulkEntitlementPk ?? null,
      parent_entitlement_pk: entitlement.parentEntitlementPk ?? null,
      registration_data: json(entitlement.registrationData),
      created_at: entitlement.at,
      updated_at: entitlement.at,
    })
    .execute();
  await insertPartners(db, entitlement.pk, partners);
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

export async function insertLineItems(db: Db, items: NewLineItem[]): Promise<void> {
  if (items.length === 0) return;
  await db
    .insertInto('line_items')
    .values(
      items.map((item) => ({
        id: item.id,
        entitlement_pk: item.entitlementPk,
        position: item.position,
        activation_id: item.activationId,
        activation_code: normalizeCode(item.activationId),
        activation_id_generated: item.activationIdGenerated ? 1 : 0,
        product_id: item.productId,
        quantity: item.quantity,
        start_date: item.startDate,
        expiration_date: item.expirationDate,
        state: item.state,
        parent_line_item_id: item.parentLineItemId ?? null,
        created_at: item.at,
        updated_at: item.at,
      })),
    )
    .execute();
}

export async function findEntitlementRecord(db: Db, id: string, scope: Scope): Promise<EntitlementRecord | undefined> {
  const row = await scoped(db.selectFrom('entitlements').selectAll('entitlements'), scope, db)
    .where('entitlements.id', '=', id)
    .executeTakeFirst();
  return row && toEntitlementRecord(row);
}

export async function findEntitlementRecordByPk(db: Db, pk: string): Promise<EntitlementRecord | undefined> {
  const row = await db.selectFrom('entitlements').selectAll().where('pk', '=', pk).executeTakeFirst();
  return row && toEntitlementRecord(row);
}

/** The whole entitlement as the API shows it: partners and line items included. */
export async function loadEntitlement(
  db: Db,
  record: EntitlementRecord,
  scope: Scope = { kind: 'all' },
): Promise<Entitlement> {
  const [loaded] = await loadEntitlements(db, [record], scope);
  if (!loaded) throw new Error(`entitlement ${record.pk} vanished while loading`);
  return loaded;
}

/** `scope` is the reader's: a line item's parent is named only to those who may see the parent. */
export async function loadEntitlements(
  db: Db,
  records: EntitlementRecord[],
  scope: Scope = { kind: 'all' },
): Promise<Entitlement[]> {
  if (records.length === 0) return [];
  const pks = records.map((r) => r.pk);
  const [partners, items, related] = await Promise.all([
    db.selectFrom('entitlement_partners').selectAll().where('entitlement_pk', 'in', pks).execute(),
    db.selectFrom('line_items').selectAll().where('entitlement_pk', 'in', pks).orderBy('position').execute(),
    relatedIds(db, records),
  ]);
  const partnersByPk = groupBy(partners, (p) => p.entitlement_pk);
  const itemsByPk = groupBy(items.map(toLineItemRecord), (i) => i.entitlementPk);
  const parentActivationIds = await activationIdsOf(
    db,
    items.map((i) => i.parent_line_item_id).filter((id): id is string => id !== null),
    scope,
  );
  return records.map((record) =>
    toEntitlement(
      record,
      partnersByPk.get(record.pk) ?? [],
      (itemsByPk.get(record.pk) ?? []).map((i) => toLineItem(i, record.id, parentActivationIds)),
      related,
    ),
  );
}

function toEntitlement(
  record: EntitlementRecord,
  partners: Row<'entitlement_partners'>[],
  lineItems: LineItem[],
  related: Map<string, string>,
): Entitlement {
  const entitlement: Entitlement = {
    id: record.id,
    kind: record.kind,
    state: record.state,
    soldTo: record.soldTo,
    description: record.description,
    shipToEmail: record.shipToEmail,
    shipToAddress: record.shipToAddress,
    emailLicenses: record.emailLicenses,
    channelPartners: sortPartners(
      partners.map((p) => ({ accountId: p.account_id, tier: p.tier as PartnerTier, contactId: p.contact_id })),
    ),
    lineItems,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.kind === 'bulk') {
    entitlement.productId = record.productId ?? '';
    entitlement.quantityPerKey = record.quantityPerKey ?? 1;
    entitlement.entitlementIdPattern = record.entitlementIdPattern ?? '';
    entitlement.registration = record.registration ?? { policy: 'none', fields: [] };
    entitlement.keyPrefix = record.keyPrefix;
    entitlement.webRegisterKeys = { ...record.keys };
    entitlement.parentEntitlementId = record.parentEntitlementPk
      ? (related.get(record.parentEntitlementPk) ?? null)
      : null;
  }
  if (record.webRegisterKey !== null) entitlement.webRegisterKey = record.webRegisterKey;
  if (record.registrationData !== null) entitlement.registrationData = record.registrationData;
  if (record.bulkEntitlementPk !== null) entitlement.bulkEntitlementId = related.get(record.bulkEntitlementPk) ?? '';
  return entitlement;
}

const tierOrder: Record<PartnerTier, number> = { tier1: 0, tier2: 1, endCustomer: 2 };

function sortPartners(partners: ChannelPartner[]): ChannelPartner[] {
  return partners.sort((a, b) => tierOrder[a.tier] - tierOrder[b.tier]);
}

export function toLineItem(
  item: LineItemRecord,
  entitlementId: string,
  parentActivationIds: Map<string, string>,
): LineItem {
  return {
    activationId: item.activationId,
    entitlementId,
    productId: item.productId,
    quantity: item.quantity,
    activatedCount: item.usedCount,
    state: item.state,
    startDate: item.startDate,
    expirationDate: item.expirationDate,
    parentActivationId: item.parentLineItemId ? (parentActivationIds.get(item.parentLineItemId) ?? null) : null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

/** Human IDs of the bulk and parent entitlements the rows point at. */
async function relatedIds(db: Db, records: EntitlementRecord[]): Promise<Map<string, string>> {
  const pks = [
    ...new Set(
      records.flatMap((r) => [r.bulkEntitlementPk, r.parentEntitlementPk]).filter((pk): pk is string => pk !== null),
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
  const page_ = toPage(rows, limit, (r) => r.pk, toEntitlementRecord);
  return { items: await loadEntitlements(db, page_.items, scope), nextCursor: page_.nextCursor };
}

export async function updateEntitlementRecord(db: Db, pk: string, changes: EntitlementChanges): Promise<void> {
  const set: RowUpdate<'entitlements'> = {};
  if (changes.id !== undefined) set.id = changes.id;
  if (changes.soldTo !== undefined) set.sold_to = changes.soldTo;
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.shipToEmail !== undefined) set.ship_to_email = changes.shipToEmail;
  if (changes.shipToAddress !== undefined) set.ship_to_address = writePostalAddress(changes.shipToAddress);
  if (changes.emailLicenses !== undefined) set.email_licenses = changes.emailLicenses ? 1 : 0;
  if (changes.productId !== undefined) set.product_id = changes.productId;
  if (changes.quantityPerKey !== undefined) set.quantity_per_key = changes.quantityPerKey;
  if (changes.entitlementIdPattern !== undefined) set.entitlement_id_pattern = changes.entitlementIdPattern;
  if (changes.registration !== undefined) set.registration = json(changes.registration);
  if (changes.keyPrefix !== undefined) set.key_prefix = changes.keyPrefix;
  if (changes.at !== undefined) set.updated_at = changes.at;
  if (Object.keys(set).length === 0) return;
  await db.updateTable('entitlements').set(set).where('pk', '=', pk).execute();
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
  await uncountActivationsOf(db, { entitlementPk: pk });
  await db.deleteFrom('activations').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('web_register_keys').where('entitlement_pk', '=', pk).execute();
  // A load still being written into it stops at its next chunk (its pending row is gone).
  await db.deleteFrom('pending_key_loads').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('key_loads').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('line_items').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('entitlement_partners').where('entitlement_pk', '=', pk).execute();
  await db.deleteFrom('entitlements').where('pk', '=', pk).execute();
}

/** The line item a code names, in whatever form it was typed. */
export async function findLineItemRecord(db: Db, code: string): Promise<LineItemRecord | undefined> {
  const row = await db
    .selectFrom('line_items')
    .selectAll()
    .where('activation_code', '=', normalizeCode(code))
    .executeTakeFirst();
  return row && toLineItemRecord(row);
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

export async function lineItemsOf(db: Db, entitlementPk: string): Promise<LineItemRecord[]> {
  const rows = await db
    .selectFrom('line_items')
    .selectAll()
    .where('entitlement_pk', '=', entitlementPk)
    .orderBy('position')
    .execute();
  return rows.map(toLineItemRecord);
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
    return entitlementId === undefined ? [] : [toLineItem(toLineItemRecord(row), entitlementId, parents)];
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

export async function updateLineItemRecord(db: Db, id: string, changes: LineItemChanges): Promise<void> {
  const set: RowUpdate<'line_items'> = { updated_at: changes.at };
  if (changes.activationId !== undefined) {
    set.activation_id = changes.activationId;
    set.activation_code = normalizeCode(changes.activationId);
  }
  if (changes.productId !== undefined) set.product_id = changes.productId;
  if (changes.quantity !== undefined) set.quantity = changes.quantity;
  if (changes.startDate !== undefined) set.start_date = changes.startDate;
  if (changes.expirationDate !== undefined) set.expiration_date = changes.expirationDate;
  await db.updateTable('line_items').set(set).where('id', '=', id).execute();
}

export async function deleteLineItem(db: Db, id: string): Promise<void> {
  await db.deleteFrom('leases').where('line_item_id', '=', id).execute();
  await uncountActivationsOf(db, { lineItemId: id });
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
      .where(withoutItsIndex(db, 'entitlement_partners.account_id'), '=', accountId),
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
  const record = await findEntitlementRecordByPk(db, pk);
  if (!record) throw new Error(`entitlement ${pk} does not exist`);
  return loadEntitlement(db, record);
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

export async function findLineItemRecordById(db: Db, id: string): Promise<LineItemRecord | undefined> {
  const row = await db.selectFrom('line_items').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toLineItemRecord(row);
}

/** What activating a line item needs to know of its entitlement, tier-1 partner included. */
export interface EntitlementRef {
  pk: string;
  id: string;
  kind: EntitlementKind;
  state: EntitlementState;
  soldTo: string | null;
  /** The partner billed for activations (see `lineItemTargets`). */
  tier1: string | null;
  /** The tier-2 partner (a reseller the stock was split to), if any. */
  tier2: string | null;
  /** Whether its new licences are mailed (the rest of what that needs is read only then). */
  emailLicenses: boolean;
}

export interface LineItemTarget {
  lineItem: LineItemRecord;
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
      'e.email_licenses as e_email_licenses',
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

function toTarget(
  row: LineItemRow & {
    e_id: string;
    e_kind: string;
    e_state: string;
    e_sold_to: string | null;
    e_tier1: string | null;
    e_tier2: string | null;
    e_email_licenses: number;
  },
): LineItemTarget {
  return {
    lineItem: toLineItemRecord(row),
    entitlement: {
      pk: row.entitlement_pk,
      id: row.e_id,
      kind: row.e_kind as EntitlementKind,
      state: row.e_state as EntitlementState,
      soldTo: row.e_sold_to,
      tier1: row.e_tier1,
      tier2: row.e_tier2,
      emailLicenses: row.e_email_licenses === 1,
    },
  };
}

const lineItemTargetByCode = preparedQuery(['code'], (db, args: { code: string }) =>
  lineItemTargets(db).where('li.activation_code', '=', args.code),
);

/**
 * The line item a normalised activation code names, with its entitlement, in one query (the
 * activation path, which has normalised the code already).
 */
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

/** The human IDs of entitlements (by internal key) and line items (by ID), for the audit log; deleted ones are absent. */
export async function humanIdsOf(
  db: Db,
  keys: { entitlementPks: string[]; lineItemIds: string[] },
): Promise<{
  entitlements: Map<string, string>;
  lineItems: Map<string, { activationId: string; entitlementId: string }>;
}> {
  const [entitlements, lineItems] = await Promise.all([
    keys.entitlementPks.length === 0
      ? []
      : db.selectFrom('entitlements').select(['pk', 'id']).where('pk', 'in', keys.entitlementPks).execute(),
    keys.lineItemIds.length === 0
      ? []
      : db
          .selectFrom('line_items')
          .innerJoin('entitlements', 'entitlements.pk', 'line_items.entitlement_pk')
          .select([
            'line_items.id as id',
            'line_items.activation_id as activationId',
            'entitlements.id as entitlementId',
          ])
          .where('line_items.id', 'in', keys.lineItemIds)
          .execute(),
  ]);
  return {
    entitlements: new Map(entitlements.map((e) => [e.pk, e.id])),
    lineItems: new Map(lineItems.map((l) => [l.id, { activationId: l.activationId, entitlementId: l.entitlementId }])),
  };
}
