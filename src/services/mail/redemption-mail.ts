import type { Entitlement } from '../../domain/entitlements.ts';
import { activationCodeMessage } from '../../mail/templates/activation-code.ts';
import { findProduct } from '../../store/catalog.ts';
import type { Db } from '../../store/database.ts';
import type { ServiceContext } from '../context.ts';
import { activateUrl, senderOf } from './mail-links.ts';
import { audienceOf } from './mail-recipients.ts';
import { queueMessage } from './queue-message.ts';

/**
 * A key redeemed with registration data that holds an email address (a policy of `optional` or
 * `required`): that person gets the activation ID. Under `none` there is no address, and no mail.
 */
export async function mailActivationCode(
  ctx: ServiceContext,
  tx: Db,
  at: string,
  entitlement: Entitlement,
): Promise<void> {
  const to = entitlement.registrationData?.email;
  const lineItem = entitlement.lineItems[0];
  if (!to || !lineItem) return;
  const product = await findProduct(tx, lineItem.productId);
  const audience = await audienceOf(tx, entitlement);
  await queueMessage(ctx, tx, at, {
    kind: 'activation-code',
    to,
    partnerAccountId: audience.partnerAccountId,
    reference: entitlement.id,
    recipientPrivate: audience.anonymousOwner,
    content: activationCodeMessage(senderOf(ctx.config), {
      product: product ? `${product.name} ${product.version}` : lineItem.productId,
      activationId: lineItem.activationId,
      quantity: lineItem.quantity,
      activateUrl: activateUrl(ctx.config),
    }),
  });
}
