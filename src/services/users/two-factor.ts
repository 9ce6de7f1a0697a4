import { Secret, TOTP } from 'otpauth';
import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { hashSecret } from '../../domain/secrets.ts';
import {
  CHALLENGE_MAX_FAILURES,
  RECOVERY_CODE_COUNT,
  TOTP_DIGITS,
  TOTP_PERIOD_S,
  TOTP_WINDOW,
  isTotpCode,
  newRecoveryCode,
  normalizeRecoveryCode,
  twoFactorRequired,
} from '../../domain/two-factor.ts';
import { findUser } from '../../store/users.ts';
import {
  claimChallenge,
  claimRecoveryCode,
  claimStep,
  countChallengeFailure,
  countUnusedRecoveryCodes,
  deleteTwoFactor,
  findLiveChallenge,
  findTwoFactor,
  insertRecoveryCodes,
  insertTwoFactor,
  replaceRecoveryCodes,
} from '../../store/two-factor.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { type NewSession, type PortalSession, startSession } from './sessions.ts';
import { decryptTotpSecret, encryptTotpSecret, twoFactorKey } from './two-factor-secrets.ts';
import { getUser } from './read-users.ts';
import { findManagedUser } from './user-access.ts';

// Two-factor sign-in with TOTP (RFC 6238): enrolment on one's own profile, the second step of a
// sign-in, recovery codes, and the reset an admin makes when a phone is lost.

export interface TwoFactorStatus {
  enabledAt: string;
  recoveryCodesLeft: number;
}

/** A secret offered for enrolment; nothing is stored until a code from it is confirmed. */
export interface Enrolment {
  secret: string;
  /** The `otpauth://` URI an authenticator app reads from the QR code. */
  uri: string;
}

function totpOf(ctx: ServiceContext, email: string, base32: string): TOTP {
  return new TOTP({
    issuer: ctx.config.mail.producerName,
    label: email,
    secret: Secret.fromBase32(base32),
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    algorithm: 'SHA1',
  });
}

/** The time step a code belongs to, if it is right within the window; else undefined. */
function stepOf(ctx: ServiceContext, totp: TOTP, code: string): number | undefined {
  const timestamp = ctx.now().getTime();
  const delta = totp.validate({ token: code.replace(/\s/g, ''), timestamp, window: TOTP_WINDOW });
  if (delta === null) return undefined;
  return TOTP.counter({ period: TOTP_PERIOD_S, timestamp }) + delta;
}

export function startEnrolment(ctx: ServiceContext, session: PortalSession): Enrolment {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpOf(ctx, session.user.email, secret).toString() };
}

export function enrolmentOf(ctx: ServiceContext, session: PortalSession, secret: string): Enrolment {
  return { secret, uri: totpOf(ctx, session.user.email, secret).toString() };
}

export async function ownTwoFactor(ctx: ServiceContext, session: PortalSession): Promise<TwoFactorStatus | undefined> {
  return statusOf(ctx, session.user.id);
}

/** A user's two-factor sign-in, for those who may see the user. */
export async function userTwoFactor(
  ctx: ServiceContext,
  actor: Actor,
  userId: string,
): Promise<TwoFactorStatus | undefined> {
  await getUser(ctx, actor, userId);
  return statusOf(ctx, userId);
}

async function statusOf(ctx: ServiceContext, userId: string): Promise<TwoFactorStatus | undefined> {
  const found = await findTwoFactor(ctx.store.db, userId);
  if (!found) return undefined;
  return { enabledAt: found.enabledAt, recoveryCodesLeft: await countUnusedRecoveryCodes(ctx.store.db, userId) };
}

/** Whether the person must set up two-factor sign-in before using the portal (LICENTIA_REQUIRE_2FA_FOR_PRODUCER). */
export async function mustEnrol(ctx: ServiceContext, session: PortalSession): Promise<boolean> {
  if (!twoFactorRequired(session.user.role, ctx.config.requireTwoFactorForProducer)) return false;
  return (await findTwoFactor(ctx.store.db, session.user.id)) === undefined;
}

function recoveryHash(userId: string, code: string): string {
  // The user's id salts the hash: equal codes of two users (never expected) hash apart.
  return hashSecret(`${userId}:${normalizeRecoveryCode(code)}`);
}

/**
 * Turns two-factor sign-in on, once a code from the offered secret proves the authenticator has
 * it. Answers the recovery codes, which are shown this once and kept only as hashes.
 */
export async function enableTwoFactor(
  ctx: ServiceContext,
  session: PortalSession,
  input: { secret: string; code: string },
): Promise<{ recoveryCodes: string[] }> {
  if (!/^[A-Z2-7]{32}$/.test(input.secret))
    throw new AppError('VALIDATION_FAILED', 'The secret was changed; start again.', {
      fields: [{ field: '/secret', message: 'is not a secret this page made' }],
    });
  const totp = totpOf(ctx, session.user.email, input.secret);
  const step = isTotpCode(input.code) ? stepOf(ctx, totp, input.code) : undefined;
  if (step === undefined) throw wrongCode();
  const key = await twoFactorKey(ctx);
  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await inTransaction(ctx, async (tx, at) => {
    const userId = session.user.id;
    const inserted = await insertTwoFactor(tx, {
      userId,
      secret: encryptTotpSecret(key, userId, input.secret),
      lastStep: step,
      at,
    });
    if (!inserted) throw new AppError('ALREADY_EXISTS', 'Two-factor sign-in is on already.');
    await insertRecoveryCodes(
      tx,
      userId,
      recoveryCodes.map((code) => recoveryHash(userId, code)),
    );
    await audit(tx, session.actor, at, {
      action: 'two-factor.enabled',
      subjectType: 'user',
      subjectId: userId,
      after: { recoveryCodes: RECOVERY_CODE_COUNT },
    });
  });
  return { recoveryCodes };
}

const wrongCode = () =>
  new AppError('VALIDATION_FAILED', 'The code is not right. Enter the code your app shows now.', {
    fields: [{ field: '/code', message: 'is not right' }],
  });

/**
 * New recovery codes for the signed-in person, proven by a current code from their app (a session
 * alone is not enough: the codes outlast it). The old ones stop working.
 */
export async function newRecoveryCodes(
  ctx: ServiceContext,
  session: PortalSession,
  input: { code: string },
): Promise<{ recoveryCodes: string[] }> {
  const key = await twoFactorKey(ctx);
  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const userId = session.user.id;
  await inTransaction(ctx, async (tx, at) => {
    const stored = await findTwoFactor(tx, userId);
    if (!stored) throw new AppError('INVALID_STATE', 'Two-factor sign-in is off.');
    const totp = totpOf(ctx, session.user.email, decryptTotpSecret(key, userId, stored.secret));
    const step = isTotpCode(input.code) ? stepOf(ctx, totp, input.code) : undefined;
    if (step === undefined || !(await claimStep(tx, userId, step))) throw wrongCode();
    await replaceRecoveryCodes(
      tx,
      userId,
      recoveryCodes.map((code) => recoveryHash(userId, code)),
    );
    await audit(tx, session.actor, at, {
      action: 'two-factor.recovery-codes-replaced',
      subjectType: 'user',
      subjectId: userId,
      after: { recoveryCodes: RECOVERY_CODE_COUNT },
    });
  });
  return { recoveryCodes };
}

/**
 * Turns a user's two-factor sign-in off, for a lost phone: they sign in with the password alone and
 * may enrol again. Whoever manages the user may do it (src/services/users/user-access.ts).
 */
export async function resetTwoFactor(ctx: ServiceContext, actor: Actor, userId: string): Promise<void> {
  await inTransaction(ctx, async (tx, at) => {
    await findManagedUser(tx, actor, userId);
    if (!(await deleteTwoFactor(tx, userId)))
      throw new AppError('INVALID_STATE', 'This user has no two-factor sign-in to reset.');
    await audit(tx, actor, at, { action: 'two-factor.reset', subjectType: 'user', subjectId: userId });
  });
}

/** Whose sign-in a pending second step is, while it can still be passed: for throttling by account. */
export async function pendingSignIn(ctx: ServiceContext, secret: string): Promise<{ email: string } | undefined> {
  const found = await findLiveChallenge(
    ctx.store.db,
    hashSecret(secret),
    ctx.now().toISOString(),
    CHALLENGE_MAX_FAILURES,
  );
  return found && { email: found.email };
}

export type SecondStepResult = { session: NewSession } | { refused: 'wrong-code' | 'ended' };

/**
 * The second step: a code from the authenticator (each accepted once) or an unused recovery code
 * ends the pending sign-in and starts the session. A wrong code counts against the pending sign-in,
 * which ends after a few; `ended` means the password must be given again.
 */
export async function completeSignIn(ctx: ServiceContext, secret: string, code: string): Promise<SecondStepResult> {
  const key = await twoFactorKey(ctx);
  const secretHash = hashSecret(secret);
  return inTransaction(ctx, async (tx, at): Promise<SecondStepResult> => {
    const challenge = await findLiveChallenge(tx, secretHash, at, CHALLENGE_MAX_FAILURES);
    const user = challenge && (await findUser(tx, challenge.userId));
    const stored = challenge && (await findTwoFactor(tx, challenge.userId));
    if (!challenge || !user || !stored) return { refused: 'ended' };
    const actor = {
      type: 'user',
      id: user.id,
      role: user.role,
      accountId: user.accountId,
      accountAnonymous: false,
    } as const;
    let recovery = false;
    let passed: boolean;
    if (isTotpCode(code)) {
      const step = stepOf(ctx, totpOf(ctx, user.email, decryptTotpSecret(key, user.id, stored.secret)), code);
      passed = step !== undefined && (await claimStep(tx, user.id, step));
    } else {
      recovery = true;
      passed =
        normalizeRecoveryCode(code).length === 16 &&
        (await claimRecoveryCode(tx, user.id, recoveryHash(user.id, code), at));
    }
    if (!passed) {
      if (!(await countChallengeFailure(tx, secretHash, CHALLENGE_MAX_FAILURES))) return { refused: 'ended' };
      await audit(tx, actor, at, {
        action: 'two-factor.code-refused',
        subjectType: 'user',
        subjectId: user.id,
        after: { recoveryCode: recovery },
      });
      return { refused: 'wrong-code' };
    }
    if (!(await claimChallenge(tx, secretHash))) return { refused: 'ended' };
    if (recovery)
      await audit(tx, actor, at, { action: 'two-factor.recovery-code-used', subjectType: 'user', subjectId: user.id });
    const method = challenge.method === 'link' ? 'link' : 'password';
    return { session: await startSession(tx, user, method, at) };
  });
}
