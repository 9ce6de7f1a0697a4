import type { MailAttachment, MailContent } from '../../domain/mail.ts';
import { type Sender, factsHtml, factsText, message } from './layout.ts';

/** A licence file, attached, for the device it was issued to. */
export function licenseMessage(
  sender: Sender,
  input: { product: string; activationId: string; entitlementId: string; device: string; file: MailAttachment },
): MailContent {
  const facts = [
    { label: 'Product', value: input.product },
    { label: 'Entitlement', value: input.entitlementId },
    { label: 'Activation ID', value: input.activationId },
    { label: 'Device', value: input.device },
  ];
  const content = message(sender, {
    subject: `Your licence for ${input.product}`,
    greeting: 'Hello,',
    lines: [
      `Attached is the licence file for ${input.product} on the device below.`,
      'Put it where the software looks for its licence, or open it from the software.',
    ],
    text: factsText(facts),
    body: factsHtml(facts),
  });
  return { ...content, attachments: [input.file] };
}
