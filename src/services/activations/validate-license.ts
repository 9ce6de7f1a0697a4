import { type ValidationCode, validationOutcome } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { readLicenseToken } from '../../licensing/license-file.ts';
import { decodeLicense, verifyLicense } from '../../licensing/license-token.ts';
import {
  type ActivationStatus,
  activationStatus,
  findLatestActivation,
  lineItemWasActivated,
} from '../../store/activations.ts';
import type { ServiceContext } from '../context.ts';
import type { VerifiedToken } from '../validation/validation-cache.ts';
import { findCodeTarget } from './code-target.ts';
import { fingerprintToFind } from './fingerprint.ts';

export interface ValidationRequest {
  token?: string | undefined;
  code?: string | undefined;
  fingerprint?: string | undefined;
}

export interface ValidationAnswer {
  valid: boolean;
  code: ValidationCode;
  /** The activation (`act_…`), when one was found. */
  id?: string;
  expiresAt?: string | null;
  test?: boolean;
}

/**
 * Answers whether a licence is good now: its signature, the state of its activation, line item and
 * entitlement, its dates, and the device asking. It only reads, and what it read is cached (see
 * ValidationCache), so validating the same licences again and again scales with the readers.
 */
export async function validateLicense(
  ctx: ServiceContext,
  // Anyone may validate a licence; the actor is taken like every service's, for the signature's sake.
  _actor: Actor,
  request: ValidationRequest,
): Promise<ValidationAnswer> {
  ctx.validationCache.noticeExternalWrites(ctx.store.externalWrites());
  const fingerprint = fingerprintToFind(request.fingerprint);
  if (request.token !== undefined) return byToken(ctx, request.token, fingerprint);
  return byCode(ctx, request.code ?? '', fingerprint ?? '');
}

/** Whether the answer says the caller guessed a licence or code that does not exist. */
export function isFailedGuess(answer: ValidationAnswer): boolean {
  return answer.code === 'NOT_FOUND' || answer.code === 'BAD_SIGNATURE';
}

/**
 * Whether the answer tells that the code exists though the caller may not hold it: another
 * device's fingerprint (FINGERPRINT_MISMATCH, which issue 16 asked for in place of NOT_FOUND). The
 * guess budget counts it as a failed guess when the code is short enough to guess.
 */
export function disclosesCode(answer: ValidationAnswer): boolean {
  return answer.code === 'FINGERPRINT_MISMATCH';
}

/** Whether `raw` is a licence (token or file) signed by one of this server's keys: proof that is not a guess. */
export async function isSignedLicense(ctx: ServiceContext, raw: string): Promise<boolean> {
  return (await verifiedToken(ctx, raw)).ok;
}

async function byToken(ctx: ServiceContext, raw: string, fingerprint: string | undefined): Promise<ValidationAnswer> {
  const verified = await verifiedToken(ctx, raw);
  if (!verified.ok) return { valid: false, code: 'BAD_SIGNATURE' };
  const { claims } = verified;
  const status = await cachedStatus(ctx, claims.jti);
  if (!status) return { valid: false, code: 'NOT_FOUND' };
  const code = validationOutcome(
    {
      ...status,
      notBefore: new Date(claims.nbf * 1000),
      expiresAt: claims.exp === undefined ? null : new Date(claims.exp * 1000),
    },
    { fingerprint },
    ctx.now(),
  );
  return {
    valid: code === 'VALID',
    code,
    id: claims.jti,
    expiresAt: claims.exp === undefined ? null : new Date(claims.exp * 1000).toISOString(),
    test: claims.lic.test,
  };
}

async function verifiedToken(ctx: ServiceContext, raw: string): Promise<VerifiedToken> {
  const cached = ctx.validationCache.verified(raw);
  if (cached) return cached;
  let token: string;
  try {
    token = readLicenseToken(raw);
  } catch {
    return { ok: false };
  }
  let kid: string | undefined;
  try {
    kid = decodeLicense(token).header.kid;
  } catch {
    kid = undefined;
  }
  await ctx.keyRing.reloadIfUnknown(kid);
  const result = verifyLicense(token, ctx.keyRing.verificationKeys());
  const verified: VerifiedToken =
    result.code === 'BAD_SIGNATURE' ? { ok: false } : { ok: true, claims: result.claims, kid: result.kid };
  // Only good signatures are kept: garbage sent by a guesser must not fill the cache.
  if (verified.ok) ctx.validationCache.rememberVerified(raw, verified);
  return verified;
}

async function cachedStatus(ctx: ServiceContext, activationId: string): Promise<ActivationStatus | undefined> {
  const cached = ctx.validationCache.status(activationId);
  if (cached) return cached;
  const generation = ctx.validationCache.generation();
  const status = await activationStatus(ctx.store.db, activationId);
  if (status) ctx.validationCache.rememberStatus(activationId, status, generation);
  return status;
}

async function byCode(ctx: ServiceContext, code: string, fingerprint: string): Promise<ValidationAnswer> {
  const db = ctx.store.db;
  const resolved = await findCodeTarget(db, code);
  if (!resolved) return { valid: false, code: 'NOT_FOUND' };
  const row = await findLatestActivation(db, resolved.lineItem.id, fingerprint);
  if (!row) {
    // The code exists and was activated, but on other devices: the device asking is the wrong one.
    const mismatch = await lineItemWasActivated(db, resolved.lineItem.id);
    return { valid: false, code: mismatch ? 'FINGERPRINT_MISMATCH' : 'NOT_FOUND' };
  }
  const result = validationOutcome(
    {
      activationState: row.state,
      lineItemState: resolved.lineItem.state,
      entitlementState: resolved.entitlement.state,
      fingerprint: row.fingerprint,
      notBefore: new Date(row.issuedAt),
      expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
    },
    { fingerprint },
    ctx.now(),
  );
  return { valid: result === 'VALID', code: result, id: row.id, expiresAt: row.expiresAt, test: row.test };
}
