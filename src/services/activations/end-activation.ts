import type { Activation } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { readLicenseToken } from '../../licensing/license-file.ts';
import { verifyLicense } from '../../licensing/license-token.ts';
import { parseAndVerifyReturnRequest, readReturnRequest } from '../../licensing/offline-request.ts';
import {
  type ActivationRecord,
  endActivation,
  findActivation,
  findActivationRecord,
  findActiveActivation,
  giveBackCount,
} from '../../store/activations.ts';
import { findLicenseModel, findProduct } from '../../store/catalog.ts';
import type { Db } from '../../store/database.ts';
import { findLineItemTargetById } from '../../store/entitlements.ts';
import { isProducer, requireProducer, requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { invalidateValidations } from '../validation/invalidate.ts';
import { type ActivateInput, type ActivationResult, activateLineItem } from './activate.ts';
import { checkedFingerprint, fingerprintToFind } from './fingerprint.ts';

/** How a device proves it holds an activation it wants to give back, without an API key. */
export type DeviceProof = { token: string } | { returnRequest: string };

/**
 * Gives an activation's count back. The owner, its partner and the producer return with their
 * keys; a device returns its own with its licence (or, offline, a return request signed by its
 * key). Returns by the customer side count against the model's `maxRehosts`.
 */
export async function returnActivation(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  proof?: DeviceProof,
): Promise<Activation> {
  return inTransaction(ctx, async (tx, at) => {
    const row = await authorisedActivation(ctx, tx, actor, id, proof);
    await giveBack(ctx, tx, actor, at, row, 'returned');
    return loaded(tx, id);
  });
}

/** Whether to offer this person revoking an activation: withdrawing a licence is the producer's. */
export function mayRevokeActivations(actor: Actor): boolean {
  return isProducer(actor);
}

/** The producer withdraws a licence for good (a stolen machine, a refund). Its count comes back. */
export async function revokeActivation(ctx: ServiceContext, actor: Actor, id: string): Promise<Activation> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const row = await findActivationRecord(tx, id);
    if (!row) throw notFound(`Activation ${id}`);
    await giveBack(ctx, tx, actor, at, row, 'revoked');
    return loaded(tx, id);
  });
}

/** Moves an activation to another device in one step: a return and an activation. */
export async function rehostActivation(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  target: Pick<ActivateInput, 'fingerprint' | 'deviceName'>,
  proof?: DeviceProof,
): Promise<ActivationResult> {
  const fingerprint = checkedFingerprint(target.fingerprint);
  return inTransaction(ctx, async (tx, at) => {
    const row = await authorisedActivation(ctx, tx, actor, id, proof);
    if (row.fingerprint === fingerprint)
      throw new AppError('UNPROCESSABLE', 'The activation is already on that device.');
    if (await findActiveActivation(tx, row.lineItemId, fingerprint)) {
      throw new AppError(
        'INVALID_STATE',
        'That device already holds an activation of this code; return one of the two instead.',
      );
    }
    await giveBack(ctx, tx, actor, at, row, 'returned');
    const lineItem = await findLineItemTargetById(tx, row.lineItemId);
    if (!lineItem) throw new Error(`activation ${id} lost its line item`);
    const moved = await activateLineItem(ctx, tx, actor, at, lineItem, { ...target, fingerprint, count: row.count });
    return { created: true, ...moved };
  });
}

async function giveBack(
  ctx: ServiceContext,
  tx: Db,
  actor: Actor,
  at: string,
  row: ActivationRecord,
  state: 'returned' | 'revoked',
): Promise<void> {
  if (row.state !== 'active') throw new AppError('INVALID_STATE', `Activation ${row.id} is already ${row.state}.`);
  const countsAsReturn = state === 'returned' && !isProducer(actor);
  const product = await findProduct(tx, row.productId);
  const model = product && (await findLicenseModel(tx, product.licenseModelId));
  const returnLimit = model?.maxRehosts ?? null;
  if (!(await giveBackCount(tx, row.lineItemId, row.count, { countsAsReturn, returnLimit }))) {
    throw new AppError(
      'REHOST_LIMIT_REACHED',
      `This licence may move to another device ${returnLimit} times, and has; ask the vendor.`,
    );
  }
  if (!(await endActivation(tx, row.id, state, at)))
    throw new AppError('INVALID_STATE', `Activation ${row.id} changed meanwhile.`);
  await invalidateValidations(ctx, tx, { activationId: row.id });
  await audit(tx, actor, at, {
    action: `activation.${state}`,
    subjectType: 'activation',
    subjectId: row.id,
    before: { state: 'active' },
    after: { state, countsAsReturn },
  });
}

/**
 * The activation if the actor may give it back: whoever shows its licence or signed return request;
 * otherwise the producer any, a partner or customer one in its scope.
 */
async function authorisedActivation(
  ctx: ServiceContext,
  tx: Db,
  actor: Actor,
  id: string,
  proof: DeviceProof | undefined,
): Promise<ActivationRecord> {
  // The licence or the device's signature is the authority, whoever carries it.
  if (proof) {
    const row = await findActivationRecord(tx, id);
    if (row && (await deviceProves(ctx, row, proof))) return row;
    if (actor.type === 'public') throw notFound(`Activation ${id}`);
  }
  if (actor.type === 'public')
    throw new AppError('UNAUTHENTICATED', 'Send the licence ({token}) or an API key to return an activation.');
  requireRole(actor, ['admin', 'operator', 'partner', 'customer']);
  if (!isProducer(actor) && !(await findActivation(tx, id, scopeOf(actor)))) throw notFound(`Activation ${id}`);
  const row = await findActivationRecord(tx, id);
  if (!row) throw notFound(`Activation ${id}`);
  return row;
}

async function deviceProves(ctx: ServiceContext, row: ActivationRecord, proof: DeviceProof): Promise<boolean> {
  if ('token' in proof) {
    let token: string;
    try {
      token = readLicenseToken(proof.token);
    } catch {
      return false;
    }
    // An expired licence may still be given back; only the signature and the activation must match.
    const result = verifyLicense(token, ctx.keyRing.verificationKeys());
    return result.code !== 'BAD_SIGNATURE' && result.claims.jti === row.id;
  }
  if (row.devicePublicKey === null) return false;
  const request = parseAndVerifyReturnRequest(proof.returnRequest, row.devicePublicKey);
  return request.activationId === row.id && fingerprintToFind(request.fingerprint) === row.fingerprint;
}

/** The activation a return request names, read before its signature can be checked. */
export function activationNamedBy(returnRequest: string): string {
  return readReturnRequest(returnRequest).activationId;
}

async function loaded(tx: Db, id: string): Promise<Activation> {
  const activation = await findActivation(tx, id, { kind: 'all' });
  if (!activation) throw new Error(`activation ${id} vanished`);
  return activation;
}
