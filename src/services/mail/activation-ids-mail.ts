import type { Actor } from '../../domain/actors.ts';
import { normalizeCode } from '../../domain/codes.ts';
import { AppError, invalidField } from '../../domain/errors.ts';
import { type Message, checkMailableAddress, headerText } from '../../domain/mail.ts';
import { activationIdsMessage } from '../../mail/templates/activation-ids.ts';
import { findAccount } from '../../store/accounts.ts';
import { findProducts } from '../../store/catalog.ts';
import { loadEntitlement } from '../../store/entitlements.ts';
import { findMessage, publicMessage } from '../../store/messages.ts';
import { isProducer, ownAccountId, requireRole } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { findVisibleEntitlement } from '../entitlements/find-entitlement.ts';
import { activateUrl, senderOf } from './mail-links.ts';
import { audienceOf } from './mail-recipients.ts';
import { queueMessage } from './queue-message.ts';

export interface EmailActivationIdsInput {
  /** Default: the entitlement's ship-to address. */
  to?: string | undefined;
  /** Which line items; default all of them. */
  activationIds?: string[] | undefined;
  /** A line from the sender, shown above the IDs. */
  note?: string | undefined;
}

/**
 * The activation IDs of an entitlement, mailed to whoever will activate: how a partner hands them
 * to its customer (and the producer to its own). Only deployed or test line items can be used, so
 * only those are sent.
 */
export async function emailActivationIds(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  input: EmailActivationIdsInput,
): Promise<Message> {
  requireRole(actor, ['admin', 'operator', 'partner', 'customer']);
  const explicit = input.to === undefined || input.to.trim() === '' ? undefined : checkMailableAddress(input.to);
  return inTransaction(ctx, async (tx, at) => {
    const row = await findVisibleEntitlement(tx, actor, entitlementId);
    const entitlement = await loadEntitlement(tx, row);
    if (entitlement.kind !== 'simple') {
      throw new AppError('UNPROCESSABLE', 'A bulk entitlement has no activation IDs: its keys are handed out instead.');
    }
    const wanted = input.activationIds?.map(normalizeCode);
    const lineItems = entitlement.lineItems.filter(
      (li) =>
        (li.state === 'deployed' || li.state === 'test') &&
        (wanted === undefined || wanted.includes(normalizeCode(li.activationId))),
    );
    if (wanted !== undefined && lineItems.length !== new Set(wanted).size) {
      throw invalidField('/activationIds', 'names a line item of another entitlement, or one that cannot be activated');
    }
    if (lineItems.length === 0) {
      throw new AppError('INVALID_STATE', `Entitlement ${entitlementId} has no activation IDs that can be used yet.`);
    }
    const to = explicit ?? entitlement.shipToEmail;
    if (!to) {
      throw new AppError('UNPROCESSABLE', 'The entitlement has no ship-to address; say where to send it.', {
        fields: [{ field: '/to', message: 'needed: the entitlement has no ship-to address' }],
      });
    }
    const partnerId = isProducer(actor) ? null : ownAccountId(actor);
    const from = partnerId ? ((await findAccount(tx, partnerId))?.name ?? ctx.config.mail.producerName) : null;
    const products = new Map(
      (
        await findProducts(
          tx,
          lineItems.map((li) => li.productId),
        )
      ).map((p) => [p.id, p]),
    );
    const audience = await audienceOf(tx, entitlement);
    const id = await queueMessage(ctx, tx, at, {
      kind: 'activation-ids',
      to,
      partnerAccountId: partnerId ?? audience.partnerAccountId,
      reference: entitlement.id,
      recipientPrivate: audience.anonymousOwner,
      content: activationIdsMessage(senderOf(ctx.config), {
        from: headerText(from ?? ctx.config.mail.producerName, 100),
        entitlementId: entitlement.id,
        note: input.note?.trim() || null,
        activateUrl: activateUrl(ctx.config),
        lines: lineItems.map((li) => {
          const product = products.get(li.productId);
          return {
            product: product ? `${product.name} ${product.version}` : li.productId,
            quantity: li.quantity,
            activationId: li.activationId,
          };
        }),
      }),
    });
    await audit(tx, actor, at, {
      action: 'activation-ids.emailed',
      subjectType: 'entitlement',
      subjectId: row.pk,
      after: { messageId: id, activationIds: lineItems.map((li) => li.activationId) },
    });
    const message = await findMessage(tx, id);
    if (!message) throw new Error(`message ${id} vanished`);
    return publicMessage(message, !isProducer(actor));
  });
}
