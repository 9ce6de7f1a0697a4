import type { Entitlement } from '../../domain/entitlements.ts';
import { MAX_ATTACHED_KEYS } from '../../domain/mail.ts';
import { entitlementCertificate } from '../../mail/templates/entitlement-certificate.ts';
import { stockDelivery } from '../../mail/templates/stock-delivery.ts';
import { findProducts } from '../../store/catalog.ts';
import type { Db } from '../../store/database.ts';
import { findEntitlementRecord } from '../../store/entitlements.ts';
import { iterateKeys, keyNamesFrom } from '../../store/web-register-keys.ts';
import type { ServiceContext } from '../context.ts';
import { activateUrl, mailBaseUrl, senderOf } from './mail-links.ts';
import { audienceOf } from './mail-recipients.ts';
import { queueMessage } from './queue-message.ts';

/**
 * What a deployed entitlement with a ship-to address mails, in the deploying transaction: the
 * certificate of a simple entitlement (its activation IDs), or the stock of a bulk one.
 */
export async function mailDeployedEntitlement(
  ctx: ServiceContext,
  tx: Db,
  at: string,
  entitlement: Entitlement,
): Promise<void> {
  if (!entitlement.shipToEmail || entitlement.state !== 'deployed') return;
  const audience = await audienceOf(tx, entitlement);
  const productIds =
    entitlement.kind === 'bulk' ? [entitlement.productId ?? ''] : entitlement.lineItems.map((li) => li.productId);
  const products = new Map((await findProducts(tx, productIds)).map((p) => [p.id, `${p.name} ${p.version}`]));
  const sender = senderOf(ctx.config);
  const base = {
    to: entitlement.shipToEmail,
    partnerAccountId: audience.partnerAccountId,
    reference: entitlement.id,
    recipientPrivate: audience.anonymousOwner,
  };
  if (entitlement.kind === 'simple') {
    await queueMessage(ctx, tx, at, {
      ...base,
      kind: 'entitlement-certificate',
      content: entitlementCertificate(sender, {
        entitlementId: entitlement.id,
        description: entitlement.description,
        activateUrl: activateUrl(ctx.config),
        lines: entitlement.lineItems.map((li) => ({
          product: products.get(li.productId) ?? li.productId,
          quantity: li.quantity,
          startDate: li.startDate,
          expirationDate: li.expirationDate,
          activationId: li.activationId,
        })),
      }),
    });
    return;
  }
  const keys = entitlement.webRegisterKeys?.unredeemed ?? 0;
  const attached = keys > 0 && keys <= MAX_ATTACHED_KEYS;
  const content = stockDelivery(sender, {
    entitlementId: entitlement.id,
    product: products.get(entitlement.productId ?? '') ?? entitlement.productId ?? '',
    quantityPerKey: entitlement.quantityPerKey ?? 1,
    keys,
    keysUrl: `${mailBaseUrl(ctx.config)}/portal/entitlements/${encodeURIComponent(entitlement.id)}/keys`,
    attached,
  });
  const attachments = attached ? [await keysCsv(tx, entitlement.id)] : [];
  await queueMessage(ctx, tx, at, { ...base, kind: 'stock-delivery', content: { ...content, attachments } });
}

async function keysCsv(tx: Db, entitlementId: string) {
  const row = await findEntitlementRecord(tx, entitlementId, { kind: 'all' });
  const lines = ['key'];
  if (row) {
    for await (const batch of iterateKeys(tx, row.pk, { state: 'unredeemed' }, keyNamesFrom(tx))) {
      for (const key of batch) lines.push(key.key);
    }
  }
  return { filename: `${entitlementId}-keys.csv`, contentType: 'text/csv', content: `${lines.join('\n')}\n` };
}
