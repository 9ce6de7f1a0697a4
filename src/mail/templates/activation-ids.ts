import type { MailContent } from '../../domain/mail.ts';
import { type Fact, type Sender, factsHtml, factsText, link, message } from './layout.ts';
import { html } from './markup.ts';

export interface ActivationIdLine {
  product: string;
  quantity: number;
  activationId: string;
}

/** A partner hands activation IDs to its customer. */
export function activationIdsMessage(
  sender: Sender,
  input: { from: string; entitlementId: string; lines: ActivationIdLine[]; note: string | null; activateUrl: string },
): MailContent {
  const lineFacts = input.lines.map((line): Fact[] => [
    { label: 'Product', value: line.product },
    { label: 'Quantity', value: String(line.quantity) },
    { label: 'Activation ID', value: line.activationId },
  ]);
  return message(sender, {
    subject: `Your activation IDs from ${input.from}`,
    greeting: 'Hello,',
    lines: [
      `${input.from} sends you the activation IDs of entitlement ${input.entitlementId}.`,
      ...(input.note ? [input.note] : []),
    ],
    text: [...lineFacts.flatMap((facts) => [...factsText(facts), '']), `To activate: ${input.activateUrl}`],
    body: html`${lineFacts.map((facts) => html`${factsHtml(facts)}<hr>`)}${link(input.activateUrl, 'Activate')}`,
  });
}
