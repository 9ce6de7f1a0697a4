import type { MailContent } from '../../domain/mail.ts';
import { type Sender, factsHtml, factsText, link, message } from './layout.ts';
import { html } from './markup.ts';

/** Sent to the ship-to address when a bulk entitlement (a partner's stock) is deployed. */
export function stockDelivery(
  sender: Sender,
  input: {
    entitlementId: string;
    product: string;
    quantityPerKey: number;
    keys: number;
    keysUrl: string;
    /** Whether the keys are attached; above the limit they are only downloaded. */
    attached: boolean;
  },
): MailContent {
  const facts = [
    { label: 'Bulk entitlement', value: input.entitlementId },
    { label: 'Product', value: input.product },
    { label: 'Web register keys', value: String(input.keys) },
    { label: 'Activations per key', value: String(input.quantityPerKey) },
  ];
  const where = input.attached
    ? 'The keys are attached as a CSV file; the partner portal lists them too.'
    : 'The keys are too many to attach: download them from the partner portal.';
  return message(sender, {
    subject: `Stock ${input.entitlementId}: ${input.keys} keys for ${input.product}`,
    greeting: 'Hello,',
    lines: [`Your stock of ${input.product} is ready to resell.`, where],
    text: [...factsText(facts), '', `Your keys: ${input.keysUrl}`],
    body: html`${factsHtml(facts)}${link(input.keysUrl, 'Open the keys in the portal')}`,
  });
}
