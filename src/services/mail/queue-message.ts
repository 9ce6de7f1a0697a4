import type { MailContent, MessageKind } from '../../domain/mail.ts';
import { headerText, isMailableAddress } from '../../domain/mail.ts';
import { newId } from '../../domain/ids.ts';
import type { Db } from '../../store/database.ts';
import { insertMessage } from '../../store/messages.ts';
import type { ServiceContext } from '../context.ts';
import { scheduleDelivery } from './deliver-message.ts';

export interface MessageToQueue {
  kind: MessageKind;
  to: string;
  content: MailContent;
  /** The partner whose business it is: it sees the message in its Outbox. */
  partnerAccountId: string | null;
  /** An entitlement ID, an activation id: what a reader of the Outbox recognises. */
  reference: string | null;
  /** It carries a sign-in link: its body is dropped once it has left (or failed for good). */
  secret?: boolean;
  /** It goes to an anonymous end customer: the producer sees that, not the address. */
  recipientPrivate?: boolean;
}

/**
 * Writes a message in the transaction of the change that causes it: a change that rolls back
 * leaves no message, and a committed one is delivered even if the process dies right after.
 * An address that cannot be mailed makes a failed message, visible in the Outbox, rather than
 * refusing the change that caused it.
 */
export async function queueMessage(_ctx: ServiceContext, tx: Db, at: string, message: MessageToQueue): Promise<string> {
  const id = newId('message');
  const to = message.to.trim();
  const mailable = isMailableAddress(to);
  await insertMessage(tx, {
    id,
    kind: message.kind,
    status: mailable ? 'queued' : 'failed',
    recipient: to.slice(0, 254),
    subject: headerText(message.content.subject),
    body: { text: message.content.text, html: message.content.html, attachments: message.content.attachments ?? [] },
    secret: message.secret ? 1 : 0,
    recipient_private: message.recipientPrivate ? 1 : 0,
    partner_account_id: message.partnerAccountId,
    reference: message.reference,
    last_error: mailable ? null : 'not a valid email address',
    created_at: at,
    updated_at: at,
    sent_at: null,
  });
  if (mailable) await scheduleDelivery(tx, { id, kind: message.kind, at });
  return id;
}
