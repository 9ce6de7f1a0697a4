import type { MailContent } from '../../domain/mail.ts';
import { type Sender, factsHtml, factsText, link, message } from './layout.ts';
import { html } from './markup.ts';

/** To the person who registered a web register key: the activation ID it became. */
export function activationCodeMessage(
  sender: Sender,
  input: { product: string; activationId: string; quantity: number; activateUrl: string },
): MailContent {
  const facts = [
    { label: 'Product', value: input.product },
    { label: 'Activation ID', value: input.activationId },
    { label: 'Activations', value: String(input.quantity) },
  ];
  return message(sender, {
    subject: `Your activation ID for ${input.product}`,
    greeting: 'Hello,',
    lines: [`Your key is registered. Activate ${input.product} with this activation ID.`],
    text: [...factsText(facts), '', `To activate: ${input.activateUrl}`],
    body: html`${factsHtml(facts)}${link(input.activateUrl, 'Activate')}`,
  });
}
