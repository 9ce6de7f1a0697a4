import type { Actor } from '../../domain/actors.ts';
import type { WebRegisterKey } from '../../domain/bulk.ts';
import { normalizeCode } from '../../domain/codes.ts';
import { notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import type { Db } from '../../store/database.ts';
import { findEntitlementRecord, findEntitlementRecordByPk } from '../../store/entitlements.ts';
import {
  type KeyFilter,
  type KeyRecord,
  findKeyRecord,
  iterateKeys,
  keyNamesFrom,
  listKeys,
  toWebRegisterKey,
} from '../../store/web-register-keys.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { findVisibleBulkEntitlement } from './find-bulk-entitlement.ts';

/** Keys are stock: the producer and the partners it was sold through see them, customers do not. */
export const keyReaders = ['admin', 'operator', 'partner'] as const;

export async function listWebRegisterKeys(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  filter: KeyFilter,
  page: PageRequest,
): Promise<Page<WebRegisterKey>> {
  requireRole(actor, keyReaders);
  const db = ctx.store.db;
  const bulk = await findVisibleBulkEntitlement(db, actor, entitlementId);
  return listKeys(db, bulk.pk, filter, page, keyNamesFrom(db));
}

/** All keys matching the filter, in batches: for CSV exports of any size. */
export async function exportWebRegisterKeys(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  filter: KeyFilter,
): Promise<{ entitlementId: string; batches: AsyncGenerator<WebRegisterKey[]> }> {
  requireRole(actor, keyReaders);
  const db = ctx.store.db;
  const bulk = await findVisibleBulkEntitlement(db, actor, entitlementId);
  return { entitlementId: bulk.id, batches: iterateKeys(db, bulk.pk, filter, keyNamesFrom(db)) };
}

export async function getWebRegisterKey(ctx: ServiceContext, actor: Actor, rawKey: string): Promise<WebRegisterKey> {
  requireRole(actor, keyReaders);
  const db = ctx.store.db;
  const key = await findVisibleKey(db, actor, rawKey);
  return toWebRegisterKey(key, await keyNamesFrom(db)([key]));
}

/** The key if its bulk entitlement is visible to the actor; otherwise it does not exist. */
export async function findVisibleKey(db: Db, actor: Actor, rawKey: string): Promise<KeyRecord> {
  const key = await findKeyRecord(db, normalizeCode(rawKey));
  const bulk = key && (await findEntitlementRecordByPk(db, key.entitlementPk));
  if (!key || !bulk || !(await findEntitlementRecord(db, bulk.id, scopeOf(actor))))
    throw notFound('The web register key');
  return key;
}
