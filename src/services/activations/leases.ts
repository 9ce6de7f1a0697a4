import { countLimit, type Lease } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { DEFAULT_LEASE_SECONDS, type Product } from '../../domain/catalog.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { signLease } from '../../licensing/lease-token.ts';
import {
  type LeaseRecord,
  countLiveLeases,
  extendLease,
  findLeaseRecord,
  findLiveLease,
  insertLease,
  lockLineItem,
  releaseLease,
  toLease,
} from '../../store/activations.ts';
import type { Db } from '../../store/database.ts';
import { type EntitlementRef, type LineItemRecord, findLineItemTargetById } from '../../store/entitlements.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { UnknownCode } from './activate.ts';
import { findOrRedeemCodeTarget } from './code-target.ts';
import { assertUsable } from './usable.ts';

export interface LeaseAnswer extends Lease {
  /** A signed statement of the lease, verifiable offline until it expires. */
  token: string;
}

export interface CheckoutInput {
  code: string;
  fingerprint: string;
  deviceName?: string | undefined;
}

/**
 * Checks out a floating seat. Seats are counted under the line item's row lock, so however many
 * devices ask at once, no more than `quantity + overdraft` leases are live. An expired lease simply
 * stops counting: no background job is needed to free its seat.
 */
export async function checkoutLease(
  ctx: ServiceContext,
  actor: Actor,
  input: CheckoutInput,
): Promise<{ created: boolean; lease: LeaseAnswer }> {
  return inTransaction(ctx, async (tx, at) => {
    const resolved = await findOrRedeemCodeTarget(tx, actor, at, input.code, undefined);
    if (!resolved) throw new UnknownCode();
    const { entitlement } = resolved;
    const { model, product } = await floatingModel(ctx, tx, resolved.lineItem);
    // Seats are counted against the line item as it is under its lock, not as it was read before.
    const lineItem = await lockLineItem(tx, resolved.lineItem.id);
    assertUsable(lineItem, entitlement, new Date(at));
    const ttl = model.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    const expiresAt = new Date(Date.parse(at) + ttl * 1000).toISOString();
    const held = await findLiveLease(tx, lineItem.id, input.fingerprint, at);
    if (held) {
      await extendLease(tx, held.id, at, expiresAt);
      return {
        created: false,
        lease: await answer(ctx, { ...held, expiresAt }, lineItem, entitlement, product),
      };
    }
    const limit = countLimit(lineItem.quantity, model);
    if (limit !== null && (await countLiveLeases(tx, lineItem.id, at)) >= limit) {
      throw new AppError('COUNT_EXCEEDED', `All ${limit} floating seats of this code are in use; try again later.`);
    }
    const row: LeaseRecord = {
      id: newId('lease'),
      lineItemId: lineItem.id,
      fingerprint: input.fingerprint,
      deviceName: input.deviceName ?? null,
      test: lineItem.state === 'test',
      createdAt: at,
      expiresAt,
      releasedAt: null,
    };
    await insertLease(tx, row);
    const lease = await answer(ctx, row, lineItem, entitlement, product);
    await audit(tx, actor, at, {
      action: 'lease.checked-out',
      subjectType: 'lease',
      subjectId: row.id,
      after: withoutToken(lease),
    });
    return { created: true, lease };
  });
}

/**
 * Keeps a seat: only a lease that is still live can be extended (an expired one may have lost its
 * seat to another device, and must be checked out again). Heartbeats only move the expiry, so they
 * are not written to the audit log.
 */
export async function heartbeatLease(ctx: ServiceContext, id: string, fingerprint: string): Promise<LeaseAnswer> {
  return inTransaction(ctx, async (tx, at) => {
    const { row, lineItem, entitlement, product, model } = await ownedLease(ctx, tx, id, fingerprint);
    assertUsable(lineItem, entitlement, new Date(at));
    const expiresAt = new Date(Date.parse(at) + (model.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000).toISOString();
    if (!(await extendLease(tx, id, at, expiresAt))) {
      throw new AppError(
        'INVALID_STATE',
        row.releasedAt ? 'The lease was released.' : 'The lease expired; check out a seat again.',
      );
    }
    return answer(ctx, { ...row, expiresAt }, lineItem, entitlement, product);
  });
}

export async function releaseLeaseBy(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  fingerprint: string,
): Promise<LeaseAnswer> {
  return inTransaction(ctx, async (tx, at) => {
    const { row, lineItem, entitlement, product } = await ownedLease(ctx, tx, id, fingerprint);
    if (!(await releaseLease(tx, id, at))) throw new AppError('INVALID_STATE', 'The lease was already released.');
    const lease = await answer(ctx, { ...row, releasedAt: at }, lineItem, entitlement, product);
    await audit(tx, actor, at, {
      action: 'lease.released',
      subjectType: 'lease',
      subjectId: id,
      before: { releasedAt: null },
      after: withoutToken(lease),
    });
    return lease;
  });
}

/** A lease is its device's: a wrong fingerprint finds nothing, like an unknown id. */
async function ownedLease(ctx: ServiceContext, tx: Db, id: string, fingerprint: string) {
  const row = await findLeaseRecord(tx, id);
  const target = row && row.fingerprint === fingerprint ? await findLineItemTargetById(tx, row.lineItemId) : undefined;
  if (!row || !target) throw notFound(`Lease ${id}`);
  const { lineItem, entitlement } = target;
  const { model, product } = await floatingModel(ctx, tx, lineItem);
  return { row, lineItem, entitlement, product, model };
}

async function floatingModel(ctx: ServiceContext, tx: Db, lineItem: LineItemRecord) {
  const catalog = await ctx.catalogCache.productWithModel(tx, lineItem.productId);
  if (!catalog) throw new Error(`line item ${lineItem.id} has no product or license model`);
  const { product, model } = catalog;
  if (model.kind !== 'floating') {
    throw new AppError(
      'UNPROCESSABLE',
      'This code is not a floating licence: activate the device with POST /api/v1/activations.',
    );
  }
  return { product, model };
}

async function answer(
  ctx: ServiceContext,
  row: LeaseRecord,
  lineItem: LineItemRecord,
  entitlement: EntitlementRef,
  product: Product,
): Promise<LeaseAnswer> {
  const lease = toLease(row, lineItem.activationId, entitlement.id);
  const key = ctx.keyRing.signingKey();
  const token = signLease(
    {
      iss: ctx.config.issuer,
      sub: row.fingerprint,
      jti: row.id,
      iat: Math.floor(ctx.now().getTime() / 1000),
      exp: Math.floor(Date.parse(row.expiresAt) / 1000),
      lease: {
        activationId: lineItem.activationId,
        entitlementId: entitlement.id,
        product: { name: product.name, version: product.version },
        features: product.features.map((f) => ({ name: f.name, version: f.version, count: f.count })),
        test: row.test,
      },
    },
    key,
  );
  return { ...lease, token };
}

function withoutToken(lease: LeaseAnswer): Lease {
  const { token: _token, ...rest } = lease;
  return rest;
}
