import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { type Message, checkMailableAddress } from '../../domain/mail.ts';
import { toLicenseFile } from '../../licensing/license-file.ts';
import { decodeLicense } from '../../licensing/license-token.ts';
import { licenseMessage } from '../../mail/templates/license.ts';
import { findActivation, findActivationRecord } from '../../store/activations.ts';
import type { Db } from '../../store/database.ts';
import { type EntitlementRef, findEntitlementRecordByPk, loadEntitlementByPk } from '../../store/entitlements.ts';
import { findMessage, publicMessage } from '../../store/messages.ts';
import { isProducer, requireRole, scopeOf } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { mailBaseUrl, senderOf } from './mail-links.ts';
import { audienceOf } from './mail-recipients.ts';
import { queueMessage } from './queue-message.ts';

/** The name of a licence file, attached or downloaded: the activation code says which it is. */
export function licenseFilename(activationCode: string): string {
  return `${activationCode.replace(/[^A-Za-z0-9._-]/g, '_')}.lic`;
}

async function queueLicense(
  ctx: ServiceContext,
  tx: Db,
  at: string,
  options: { token: string; to: string; entitlementPk: string },
): Promise<string> {
  const { claims } = decodeLicense(options.token);
  const lic = claims.lic;
  const audience = await audienceOf(tx, await loadEntitlementByPk(tx, options.entitlementPk));
  return queueMessage(ctx, tx, at, {
    kind: 'license',
    to: options.to,
    partnerAccountId: audience.partnerAccountId,
    reference: claims.jti,
    recipientPrivate: audience.anonymousOwner,
    content: licenseMessage(senderOf(ctx.config), {
      product: `${lic.product.name} ${lic.product.version}`,
      activationId: lic.activationId,
      entitlementId: lic.entitlementId,
      device: claims.sub,
      file: {
        filename: licenseFilename(lic.activationId),
        contentType: 'text/plain',
        content: toLicenseFile(options.token, claims, mailBaseUrl(ctx.config)),
      },
    }),
  });
}

/** Who may mail a licence: whoever may see its activation, except an anonymous end customer's key. */
const licenseMailers = ['admin', 'operator', 'partner', 'customer'] as const;

/**
 * `POST /api/v1/activations/{id}/email`: the licence file, attached, to `to` or else to the
 * entitlement's ship-to address.
 */
export async function emailActivationLicense(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  input: { to?: string | undefined },
): Promise<Message> {
  requireRole(actor, licenseMailers);
  const explicit = input.to === undefined ? undefined : checkMailableAddress(input.to, '/to');
  return inTransaction(ctx, async (tx, at) => {
    const activation = await findActivation(tx, activationId, scopeOf(actor));
    const row = activation && (await findActivationRecord(tx, activationId));
    if (!activation || !row) throw notFound(`Activation ${activationId}`);
    if (row.state !== 'active') {
      throw new AppError('INVALID_STATE', `Activation ${activationId} is ${row.state}; its licence no longer holds.`);
    }
    const to = explicit ?? (await shipToOf(tx, row.entitlementPk));
    if (!to) {
      throw new AppError('UNPROCESSABLE', 'The entitlement has no ship-to address; say where to send it.', {
        fields: [{ field: '/to', message: 'needed: the entitlement has no ship-to address' }],
      });
    }
    const id = await queueLicense(ctx, tx, at, { token: row.token, to, entitlementPk: row.entitlementPk });
    await audit(tx, actor, at, {
      action: 'license.emailed',
      subjectType: 'activation',
      subjectId: activationId,
      after: { messageId: id },
    });
    const message = await findMessage(tx, id);
    if (!message) throw new Error(`message ${id} vanished`);
    return publicMessage(message, !isProducer(actor));
  });
}

/**
 * The ship-to address licences of an entitlement go to: its own, or for one made by redeeming a
 * key, that of the bulk entitlement (the partner's: the end customer gave none).
 */
async function shipToOf(tx: Db, entitlementPk: string): Promise<string | null> {
  const row = await findEntitlementRecordByPk(tx, entitlementPk);
  if (!row) return null;
  if (row.shipToEmail) return row.shipToEmail;
  if (!row.bulkEntitlementPk) return null;
  return (await findEntitlementRecordByPk(tx, row.bulkEntitlementPk))?.shipToEmail ?? null;
}

/** A new licence of an entitlement that asks for them (`emailLicenses`), in the activating transaction. */
export async function mailNewLicense(
  ctx: ServiceContext,
  tx: Db,
  at: string,
  entitlement: EntitlementRef,
  token: string,
): Promise<void> {
  if (!entitlement.emailLicenses) return;
  const to = await shipToOf(tx, entitlement.pk);
  if (to) await queueLicense(ctx, tx, at, { token, to, entitlementPk: entitlement.pk });
}
