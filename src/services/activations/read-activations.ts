import type { Activation, ActivationState, Device } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import type { Jwks } from '../../licensing/jwks.ts';
import { toLicenseFile } from '../../licensing/license-file.ts';
import { decodeLicense } from '../../licensing/license-token.ts';
import {
  findActivation,
  findActivations,
  findActivationRecord,
  findDevice,
  listActivations as listRows,
  listDevices as listDeviceRows,
} from '../../store/activations.ts';
import { findEntitlementRecord, findLineItemRecord } from '../../store/entitlements.ts';
import { requireRole, scopeOf } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { fingerprintToFind } from './fingerprint.ts';

/** Anonymous end customers see their own activations and licences: that is all they see. */
const readers = ['admin', 'operator', 'partner', 'customer'] as const;

export interface ActivationListFilter {
  entitlement?: string | undefined;
  activationId?: string | undefined;
  deviceId?: string | undefined;
  account?: string | undefined;
  state?: ActivationState | undefined;
  fingerprint?: string | undefined;
  test?: boolean | undefined;
  newestFirst?: boolean | undefined;
}

export async function listActivations(
  ctx: ServiceContext,
  actor: Actor,
  filter: ActivationListFilter,
  page: PageRequest,
): Promise<Page<Activation>> {
  requireRole(actor, readers);
  const db = ctx.store.db;
  const scope = scopeOf(actor);
  const entitlement =
    filter.entitlement === undefined ? undefined : await findEntitlementRecord(db, filter.entitlement, { kind: 'all' });
  const lineItem = filter.activationId === undefined ? undefined : await findLineItemRecord(db, filter.activationId);
  if ((filter.entitlement !== undefined && !entitlement) || (filter.activationId !== undefined && !lineItem))
    return { items: [], nextCursor: null };
  return listRows(
    db,
    scope,
    {
      entitlementPk: entitlement?.pk,
      lineItemId: lineItem?.id,
      deviceId: filter.deviceId,
      accountId: filter.account,
      state: filter.state,
      fingerprint: fingerprintToFind(filter.fingerprint),
      test: filter.test,
      newestFirst: filter.newestFirst,
    },
    page,
  );
}

export async function getActivation(ctx: ServiceContext, actor: Actor, id: string): Promise<Activation> {
  requireRole(actor, readers);
  const activation = await findActivation(ctx.store.db, id, scopeOf(actor));
  if (!activation) throw notFound(`Activation ${id}`);
  return activation;
}

/** The activations among `ids` that `actor` may read, by id, in one query. */
export async function getActivations(
  ctx: ServiceContext,
  actor: Actor,
  ids: readonly string[],
): Promise<Map<string, Activation>> {
  requireRole(actor, readers);
  const found = await findActivations(ctx.store.db, ids, scopeOf(actor));
  return new Map(found.map((activation) => [activation.id, activation]));
}

/** The licence of an activation, as issued, for whoever may see the activation. */
export async function getActivationLicense(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
): Promise<{ token: string; file: string }> {
  await getActivation(ctx, actor, id);
  const row = await findActivationRecord(ctx.store.db, id);
  if (!row) throw notFound(`Activation ${id}`);
  return { token: row.token, file: toLicenseFile(row.token, decodeLicense(row.token).claims, ctx.config.publicUrl) };
}

export async function listDevices(
  ctx: ServiceContext,
  actor: Actor,
  filter: { account?: string | undefined; fingerprint?: string | undefined; search?: string | undefined },
  page: PageRequest,
): Promise<Page<Device>> {
  requireRole(actor, readers);
  return listDeviceRows(
    ctx.store.db,
    scopeOf(actor),
    { accountId: filter.account, fingerprint: fingerprintToFind(filter.fingerprint), search: filter.search },
    page,
  );
}

export async function getDevice(ctx: ServiceContext, actor: Actor, id: string): Promise<Device> {
  requireRole(actor, readers);
  const device = await findDevice(ctx.store.db, id, scopeOf(actor));
  if (!device) throw notFound(`Device ${id}`);
  return device;
}

export function publishedKeys(ctx: ServiceContext): Jwks {
  return ctx.keyRing.jwks();
}
