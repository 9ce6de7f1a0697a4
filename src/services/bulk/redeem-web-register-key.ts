import type { Account } from '../../domain/accounts.ts';
import { type Actor, isAccountRole } from '../../domain/actors.ts';
import {
  type KeyState,
  type RegistrationData,
  applyEntitlementIdPattern,
  checkRegistrationData,
  noRegistration,
} from '../../domain/bulk.ts';
import { generateCode, generateEntitlementId } from '../../domain/codes.ts';
import { type EntitlementState, allowsActivation } from '../../domain/entitlement-states.ts';
import type { ChannelPartner, Entitlement, Registration } from '../../domain/entitlements.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount } from '../../store/accounts.ts';
import type { Db } from '../../store/database.ts';
import {
  type EntitlementRecord,
  findEntitlementRecord,
  findEntitlementRecordByPk,
  insertEntitlement,
  insertLineItems,
  loadEntitlementByPk,
  partnersOfEntitlement,
} from '../../store/entitlements.ts';
import {
  type KeyRecord,
  adjustKeyCounters,
  claimKey,
  findKeyRecord,
  linkRedeemedKey,
} from '../../store/web-register-keys.ts';
import { insertAnonymousOrNamedAccount } from '../accounts/create-account.ts';
import { isProducer, ownAccountId, requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { mailActivationCode } from '../mail/redemption-mail.ts';
import { findVisibleKey } from './read-web-register-keys.ts';

export interface RedeemInput {
  /** An existing account to own the new entitlement (for a partner: its own or one of its customers). */
  accountId?: string | undefined;
  /** Or the name of a new anonymous end customer, below the partner. */
  accountName?: string | undefined;
  registration?: RegistrationData | undefined;
}

/** Who the redeemed entitlement will belong to. */
export type RedemptionOwner = { existing: Account } | { newAnonymous: { name: string; parentAccountId: string } };

/**
 * A partner redeems a key of its stock for one of its customers (by name only, if the customer is
 * to stay anonymous); the producer may redeem for any account.
 */
export async function redeemWebRegisterKey(
  ctx: ServiceContext,
  actor: Actor,
  rawKey: string,
  input: RedeemInput,
): Promise<Entitlement> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  if (input.accountId === undefined && input.accountName === undefined) {
    throw new AppError('VALIDATION_FAILED', 'Name the owner: give accountId (an existing account) or accountName.', {
      fields: [{ field: '/accountId', message: 'give accountId or accountName' }],
    });
  }
  if (input.accountId !== undefined && input.accountName !== undefined) {
    throw new AppError('VALIDATION_FAILED', 'Name the owner once: give accountId or accountName, not both.', {
      fields: [{ field: '/accountName', message: 'give accountId or accountName, not both' }],
    });
  }
  return inTransaction(ctx, async (tx, at) => {
    const key = await findVisibleKey(tx, actor, rawKey);
    const bulk = await bulkOf(tx, key);
    if (!isProducer(actor) && !stockHolders(await partnersOf(tx, bulk)).includes(ownAccountId(actor) ?? '')) {
      throw new AppError('FORBIDDEN', 'Only the partners this stock was sold through redeem its keys.');
    }
    const owner = await ownerFor(tx, actor, bulk, input);
    const pk = await redeemKey(tx, actor, at, { key, bulk, owner, registration: input.registration });
    const entitlement = await loadEntitlementByPk(tx, pk);
    await mailActivationCode(ctx, tx, at, entitlement);
    return entitlement;
  });
}

/**
 * The redemption itself, inside the caller's transaction (activation with an unredeemed key uses
 * it too): claim the key with a conditional update, so that it is redeemed once however many try
 * at once, then make the simple entitlement it becomes. Answers the new entitlement's pk.
 */
export async function redeemKey(
  tx: Db,
  actor: Actor,
  at: string,
  options: {
    key: KeyRecord;
    bulk: EntitlementRecord;
    owner: RedemptionOwner;
    registration: RegistrationData | undefined;
  },
): Promise<string> {
  const { key, bulk } = options;
  const refusal = keyRefusal(key, bulk);
  if (refusal) throw refusal.error;
  const registration = checkRegistrationData(registrationOf(bulk), options.registration);
  if (!(await claimKey(tx, key.code, bulk.pk, at))) throw keyNotRedeemable((await findKeyRecord(tx, key.code)) ?? key);

  const owner =
    'existing' in options.owner
      ? options.owner.existing
      : await insertAnonymousOrNamedAccount(tx, actor, at, {
          name: options.owner.newAnonymous.name,
          type: 'customer',
          parentAccountId: options.owner.newAnonymous.parentAccountId,
          anonymous: true,
        });
  const pk = newId('entitlement');
  const state: EntitlementState = bulk.state === 'test' ? 'test' : 'deployed';
  const id = await entitlementIdFor(tx, bulk, key);
  await insertEntitlement(
    tx,
    {
      pk,
      id,
      idGenerated: true,
      kind: 'simple',
      state,
      soldTo: owner.id,
      description: bulk.description,
      webRegisterKey: key.key,
      bulkEntitlementPk: bulk.pk,
      registrationData: registration,
      // Licences of redeemed keys go to the bulk entitlement's ship-to address when it asks for them.
      emailLicenses: bulk.emailLicenses,
      at,
    },
    copiedPartners(await partnersOf(tx, bulk), owner.id),
  );
  await insertLineItems(tx, [
    {
      id: newId('lineItem'),
      entitlementPk: pk,
      position: 0,
      activationId: generateCode(),
      activationIdGenerated: true,
      productId: bulk.productId ?? '',
      quantity: bulk.quantityPerKey ?? 1,
      startDate: null,
      expirationDate: null,
      state,
      at,
    },
  ]);
  await linkRedeemedKey(tx, key.code, pk);
  await adjustKeyCounters(tx, bulk.pk, { unredeemed: -1, redeemed: 1 }, at);
  const entitlement = await loadEntitlementByPk(tx, pk);
  await audit(tx, actor, at, {
    action: 'web-register-key.redeemed',
    subjectType: 'entitlement',
    subjectId: bulk.pk,
    before: { key: key.key, state: 'unredeemed' },
    after: { key: key.key, state: 'redeemed', entitlementId: id, accountId: owner.id },
  });
  await audit(tx, actor, at, {
    action: 'entitlement.created',
    subjectType: 'entitlement',
    subjectId: pk,
    after: entitlement,
  });
  return pk;
}

/** Why a key cannot be redeemed, judged on the key and its stock alone. */
export interface KeyRefusal {
  /** What a page words for people in its own way; the rule that picks it is here only. */
  reason: 'redeemed' | 'void' | 'stock-not-ready';
  /** What the API answers (and a page's status comes from). */
  error: AppError;
}

/**
 * The redemption refusals that need neither the redeemer nor the owner: a key is redeemed once, never
 * when void, and only from stock that is deployed (or test). `redeemKey` enforces them; the portal
 * asks the same function before it shows the registration form. Says nothing of who redeemed a key
 * or when: that is the redeemer's business.
 */
export function keyRefusal(key: { state: KeyState }, stock: { state: EntitlementState }): KeyRefusal | undefined {
  if (key.state === 'redeemed')
    return {
      reason: 'redeemed',
      error: new AppError('ALREADY_REDEEMED', 'This web register key has already been redeemed.'),
    };
  if (key.state === 'void')
    return { reason: 'void', error: new AppError('INVALID_STATE', 'This web register key is void.') };
  if (!allowsActivation(stock.state))
    return {
      reason: 'stock-not-ready',
      error: new AppError(
        'INVALID_STATE',
        `The bulk entitlement is ${stock.state}; its keys are redeemed once it is deployed (or test).`,
      ),
    };
  return undefined;
}

/** A claim that failed: the key changed meanwhile (redeemed, voided, or moved by a split). */
function keyNotRedeemable(key: KeyRecord): AppError {
  return (
    keyRefusal(key, { state: 'deployed' })?.error ??
    new AppError('INVALID_STATE', 'This web register key moved to other stock meanwhile; try again.')
  );
}

export async function bulkOf(tx: Db, key: KeyRecord): Promise<EntitlementRecord> {
  const bulk = await findEntitlementRecordByPk(tx, key.entitlementPk);
  if (!bulk) throw new Error(`key without bulk entitlement ${key.entitlementPk}`);
  return bulk;
}

export async function partnersOf(tx: Db, bulk: EntitlementRecord): Promise<ChannelPartner[]> {
  return partnersOfEntitlement(tx, bulk.pk);
}

/** The partners that hold the stock and may sell its keys: tier 1, and tier 2 after a split. */
export function stockHolders(partners: ChannelPartner[]): string[] {
  return partners.filter((p) => p.tier === 'tier1' || p.tier === 'tier2').map((p) => p.accountId);
}

/**
 * The redeemed entitlement keeps the partners it was sold through; its end customer is now the
 * account it was redeemed for.
 */
function copiedPartners(partners: ChannelPartner[], ownerId: string): ChannelPartner[] {
  return [
    ...partners.filter((p) => p.tier !== 'endCustomer'),
    { accountId: ownerId, tier: 'endCustomer', contactId: null },
  ];
}

function registrationOf(bulk: EntitlementRecord): Registration {
  return bulk.registration ?? noRegistration;
}

async function entitlementIdFor(tx: Db, bulk: EntitlementRecord, key: KeyRecord): Promise<string> {
  const id = applyEntitlementIdPattern(bulk.entitlementIdPattern ?? '{key}ENT', {
    key: key.key,
    bulk: bulk.id,
    seq: key.seq,
  });
  // A pattern that makes an over-long ID, or one the producer already used, falls back to a generated ID.
  if (id === undefined || (await findEntitlementRecord(tx, id, { kind: 'all' }))) return generateEntitlementId();
  return id;
}

/**
 * The partner a key of this stock is registered under: the partner acting, or for the producer the
 * stock's buyer. A new anonymous customer goes below it; the register page offers it and its customers.
 */
export function registeringPartner(actor: Actor, stock: { soldTo: string | null }): string | null {
  return isProducer(actor) ? stock.soldTo : ownAccountId(actor);
}

async function ownerFor(tx: Db, actor: Actor, bulk: EntitlementRecord, input: RedeemInput): Promise<RedemptionOwner> {
  if (input.accountName !== undefined) {
    const parentAccountId = registeringPartner(actor, bulk);
    if (!parentAccountId) throw new Error('bulk entitlement without a partner');
    return { newAnonymous: { name: input.accountName, parentAccountId } };
  }
  const accountId = input.accountId ?? '';
  const account = await findAccount(tx, accountId, scopeOf(actor));
  if (!account) throw unknownReference('/accountId', `Account ${accountId}`);
  if (
    actor.type !== 'system' &&
    actor.type !== 'public' &&
    isAccountRole(actor.role) &&
    account.type === 'partner' &&
    account.id !== ownAccountId(actor)
  ) {
    throw new AppError('UNPROCESSABLE', 'Keys are redeemed for your own account or for your customers.', {
      fields: [{ field: '/accountId', message: 'is another partner' }],
    });
  }
  return { existing: account };
}
