import type { MailContent } from '../../domain/mail.ts';
import { type Fact, type Sender, factsHtml, factsText, link, message } from './layout.ts';
import { html } from './markup.ts';

export interface CertificateLine {
  product: string;
  quantity: number;
  startDate: string | null;
  expirationDate: string | null;
  activationId: string;
}

/** Sent to the ship-to address when a simple entitlement is deployed. */
export function entitlementCertificate(
  sender: Sender,
  input: { entitlementId: string; description: string | null; lines: CertificateLine[]; activateUrl: string },
): MailContent {
  const lineFacts = input.lines.map((line): Fact[] => [
    { label: 'Product', value: line.product },
    { label: 'Quantity', value: String(line.quantity) },
    { label: 'Valid', value: validity(line) },
    { label: 'Activation ID', value: line.activationId },
  ]);
  const intro = [
    `Entitlement ${input.entitlementId}${input.description ? ` (${input.description})` : ''} is ready to use.`,
    'Each product below has its own activation ID. Enter it in the software when it asks, or at the address below.',
  ];
  return message(sender, {
    subject: `Your entitlement ${input.entitlementId} from ${sender.producerName}`,
    greeting: 'Hello,',
    lines: intro,
    text: [
      `Entitlement ID: ${input.entitlementId}`,
      ...lineFacts.flatMap((facts) => ['', ...factsText(facts)]),
      '',
      `To activate: ${input.activateUrl}`,
    ],
    body: html`${factsHtml([{ label: 'Entitlement ID', value: input.entitlementId }])}
${lineFacts.map((facts) => html`<hr>${factsHtml(facts)}`)}
<hr>
${link(input.activateUrl, 'Activate')}
<p>Or open ${input.activateUrl} and enter an activation ID.</p>`,
  });
}

export function validity(line: { startDate: string | null; expirationDate: string | null }): string {
  const from = line.startDate ? `from ${line.startDate}` : 'from today';
  const to = line.expirationDate ? `until ${line.expirationDate}` : 'permanent';
  return `${from}, ${to}`;
}
