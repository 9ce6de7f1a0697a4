import { type Activation, allowedOverdraft, licenseExpiry } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import type { RegistrationData } from '../../domain/bulk.ts';
import { AppError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import type { Ed25519PublicJwk } from '../../licensing/ed25519-jwk.ts';
import { toLicenseFile } from '../../licensing/license-file.ts';
import { decodeLicense } from '../../licensing/license-token.ts';
import {
  type ActivationRecord,
  findActivation,
  findActiveActivation,
  countNewActivation,
  insertActivation,
  reissueLicense,
  takeCount,
  upsertDevice,
} from '../../store/activations.ts';
import { isUniqueViolation, type Db } from '../../store/database.ts';
import { findLineItemTargetById, loadEntitlementByPk } from '../../store/entitlements.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { invalidateValidations } from '../validation/invalidate.ts';
import { mailNewLicense } from '../mail/license-mail.ts';
import { mailActivationCode } from '../mail/redemption-mail.ts';
import { issueLicense } from './issue-license.ts';
import { assertUsable } from './usable.ts';
import { type CodeTarget, findOrRedeemCodeTarget } from './code-target.ts';
import { checkedFingerprint } from './fingerprint.ts';

export interface ActivateInput {
  code: string;
  fingerprint: string;
  deviceName?: string | undefined;
  count?: number | undefined;
  /** The device's own Ed25519 key (offline activation), bound into the licence as `cnf`. */
  publicKey?: Ed25519PublicJwk | undefined;
  /** Registration data, when the code is an unredeemed key whose policy asks for it. */
  registration?: RegistrationData | undefined;
  offline?: boolean | undefined;
}

export interface ActivationResult {
  /** False when this device already held an activation of the line item: same licence, no count taken. */
  created: boolean;
  activation: Activation;
  license: { token: string; file: string };
}

/** The code was not found: the caller counts this as a failed guess. */
export class UnknownCode extends AppError {
  constructor() {
    super('NOT_FOUND', 'No activation code like this exists, or it can no longer be used.');
  }
}

/**
 * Activates a device with an activation ID or a web register key (DESIGN.md §1). The count is
 * taken with a conditional update, so `quantity + overdraft` holds under any concurrency; a
 * repeat from the same device answers its existing licence.
 */
export async function activate(ctx: ServiceContext, actor: Actor, given: ActivateInput): Promise<ActivationResult> {
  const input = { ...given, fingerprint: checkedFingerprint(given.fingerprint) };
  try {
    return await activateOnce(ctx, actor, input);
  } catch (error) {
    // Two first activations of one device raced and the other one won: answer its licence.
    if (isUniqueViolation(error)) return activateOnce(ctx, actor, input);
    throw error;
  }
}

async function activateOnce(ctx: ServiceContext, actor: Actor, input: ActivateInput): Promise<ActivationResult> {
  return inTransaction(ctx, async (tx, at) => {
    const resolved = await findOrRedeemCodeTarget(tx, actor, at, input.code, input.registration);
    if (!resolved) throw new UnknownCode();
    const existing = await findActiveActivation(tx, resolved.lineItem.id, input.fingerprint);
    if (existing)
      return {
        created: false,
        ...(await answer(tx, await renewedIfNeeded(ctx, tx, actor, at, resolved, existing), ctx.config.publicUrl)),
      };
    const activated = await activateLineItem(ctx, tx, actor, at, resolved, input);
    // A key redeemed just now, with registration data: its registered address gets the activation ID.
    if (input.registration?.email !== undefined) {
      const entitlement = await loadEntitlementByPk(tx, resolved.entitlement.pk);
      if (entitlement.createdAt === at) await mailActivationCode(ctx, tx, at, entitlement);
    }
    return { created: true, ...activated };
  });
}

export async function activateLineItem(
  ctx: ServiceContext,
  tx: Db,
  actor: Actor,
  at: string,
  { lineItem, entitlement }: CodeTarget,
  input: Omit<ActivateInput, 'code'>,
): Promise<Omit<ActivationResult, 'created'>> {
  const now = new Date(at);
  assertUsable(lineItem, entitlement, now);
  const catalog = await ctx.catalogCache.productWithModel(tx, lineItem.productId);
  if (!catalog) throw new Error(`line item ${lineItem.id} has no product or license model`);
  const { product, model } = catalog;
  if (model.kind === 'floating') {
    throw new AppError('UNPROCESSABLE', 'This is a floating licence: check out a seat with POST /api/v1/leases.');
  }
  if (input.offline && !model.allowOffline)
    throw new AppError('UNPROCESSABLE', 'This product may not be activated offline.');
  const count = input.count ?? 1;
  const owner = entitlement.soldTo;
  if (owner === null) throw new Error(`entitlement ${entitlement.pk} has no owner`);
  const device = await upsertDevice(tx, {
    id: newId('device'),
    accountId: owner,
    fingerprint: input.fingerprint,
    name: input.deviceName ?? null,
    at,
  });
  const id = newId('activation');
  const test = lineItem.state === 'test';
  const license = await issueLicense(ctx, {
    activationId: id,
    lineItem,
    entitlementId: entitlement.id,
    product,
    model,
    fingerprint: input.fingerprint,
    count,
    test,
    issuedAt: now,
    devicePublicKey: input.publicKey,
  });
  const stored: ActivationRecord = {
    id,
    lineItemId: lineItem.id,
    entitlementPk: entitlement.pk,
    deviceId: device.id,
    fingerprint: input.fingerprint,
    count,
    state: 'active',
    test,
    accountId: owner,
    tier1AccountId: entitlement.tier1,
    tier2AccountId: entitlement.tier2,
    productId: lineItem.productId,
    kid: license.kid,
    token: license.token,
    devicePublicKey: input.publicKey ?? null,
    offline: input.offline === true,
    issuedAt: at,
    expiresAt: license.expiresAt?.toISOString() ?? null,
    endedAt: null,
  };
  await insertActivation(tx, stored);
  const activation: Activation = {
    id,
    activationId: lineItem.activationId,
    entitlementId: entitlement.id,
    deviceId: device.id,
    deviceName: device.name,
    fingerprint: input.fingerprint,
    count,
    state: 'active',
    test,
    offline: stored.offline,
    accountId: owner,
    productId: lineItem.productId,
    issuedAt: at,
    expiresAt: stored.expiresAt,
    endedAt: null,
  };
  await audit(tx, actor, at, {
    action: 'activation.created',
    subjectType: 'activation',
    subjectId: id,
    after: activation,
  });
  // The count is taken last. Its UPDATE locks the line item's row until commit on PostgreSQL, and
  // every activation of the line item waits for that lock: taken first, it was held across four
  // more round trips and the signature. If it fails, the rows above roll back with it. The audit
  // event takes its place in its chain at the commit, after the count like every transaction's
  // (transaction-scope.ts): a chain's head is always locked after the rows of the change.
  if (!(await takeCount(tx, lineItem.id, count, allowedOverdraft(model)))) {
    // Either the count is used up, or the line item left `deployed` since it was read.
    const current = (await findLineItemTargetById(tx, lineItem.id))?.lineItem;
    if (current && current.state !== lineItem.state) {
      throw new AppError(
        'INVALID_STATE',
        `This code was ${current.state === 'obsolete' ? 'transferred or closed' : `made ${current.state}`} meanwhile.`,
      );
    }
    throw new AppError('COUNT_EXCEEDED', countExceededMessage(count, current ?? lineItem, model.overdraft));
  }
  // After the count, as a transfer takes them: the line item's row, then the billing counters' rows.
  await countNewActivation(tx, stored);
  if (entitlement.emailLicenses) await mailNewLicense(ctx, tx, at, entitlement, license.token);
  return { activation, license: { token: license.token, file: license.file } };
}

/** Says what was asked and what is free, so that a client asking for too much knows how much it may ask. */
function countExceededMessage(
  asked: number,
  lineItem: { quantity: number; usedCount: number },
  overdraft: number,
): string {
  const allowed = lineItem.quantity + overdraft;
  const free = Math.max(allowed - lineItem.usedCount, 0);
  if (free === 0) return `All ${allowed} of this code's activations are in use; return one first.`;
  return `This activation asks for ${asked} ${asked === 1 ? 'count' : 'counts'}, but only ${free} of this code's ${allowed} ${free === 1 ? 'is' : 'are'} free.`;
}

/**
 * A repeat activation after the line item was renewed gets a licence with the new expiry (same
 * activation, same product as before); otherwise the licence as first issued.
 */
async function renewedIfNeeded(
  ctx: ServiceContext,
  tx: Db,
  actor: Actor,
  at: string,
  { lineItem, entitlement }: CodeTarget,
  row: ActivationRecord,
): Promise<ActivationRecord> {
  const catalog = await ctx.catalogCache.productWithModel(tx, row.productId);
  if (!catalog) return row;
  const expiry = licenseExpiry(lineItem.expirationDate, catalog.model, new Date(row.issuedAt));
  const expiresAt = expiry === null ? null : new Date(Math.floor(expiry.getTime() / 1000) * 1000).toISOString();
  if (
    expiresAt === row.expiresAt ||
    (expiry !== null && row.expiresAt !== null && expiry.getTime() <= Date.parse(row.expiresAt))
  )
    return row;
  const license = await issueLicense(ctx, {
    activationId: row.id,
    lineItem,
    entitlementId: entitlement.id,
    product: catalog.product,
    model: catalog.model,
    fingerprint: row.fingerprint,
    count: row.count,
    test: row.test,
    issuedAt: new Date(at),
    devicePublicKey: row.devicePublicKey ?? undefined,
    expiresAt: expiry,
  });
  await reissueLicense(tx, row.id, {
    token: license.token,
    kid: license.kid,
    expiresAt: license.expiresAt?.toISOString() ?? null,
  });
  await invalidateValidations(ctx, tx, { activationId: row.id });
  await audit(tx, actor, at, {
    action: 'activation.license-renewed',
    subjectType: 'activation',
    subjectId: row.id,
    before: { expiresAt: row.expiresAt },
    after: { expiresAt: license.expiresAt?.toISOString() ?? null },
  });
  return { ...row, token: license.token, kid: license.kid, expiresAt: license.expiresAt?.toISOString() ?? null };
}

/** The existing activation and its licence, as first issued. */
export async function answer(
  tx: Db,
  row: ActivationRecord,
  serverUrl: string | undefined,
): Promise<Omit<ActivationResult, 'created'>> {
  const activation = await findActivation(tx, row.id, { kind: 'all' });
  if (!activation) throw new Error(`activation ${row.id} vanished`);
  return {
    activation,
    license: { token: row.token, file: toLicenseFile(row.token, decodeLicense(row.token).claims, serverUrl) },
  };
}
