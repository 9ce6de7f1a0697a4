import { invalidField } from './errors.ts';

/** What a message is about; the Outbox shows it and the templates are chosen by it. */
export const messageKinds = [
  'entitlement-certificate',
  'stock-delivery',
  'license',
  'activation-ids',
  'sign-in-link',
  'password-reset',
  'activation-code',
] as const;
export type MessageKind = (typeof messageKinds)[number];

export const messageStatuses = ['queued', 'sent', 'failed'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** What the Outbox and `GET /api/v1/messages` show of a message; never its body. */
export interface Message {
  id: string;
  to: string;
  subject: string;
  kind: MessageKind;
  status: MessageStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  /** The partner whose business the message is; it sees it in its own Outbox. */
  partnerAccountId: string | null;
  /** What it is about, as people name it: an entitlement ID, an activation id. */
  reference: string | null;
  /** False once the body is gone: a message that carried a sign-in link keeps no copy of it. */
  resendable: boolean;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

/** A message as the templates make it, before it has an address. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

/** Above this, a bulk entitlement's keys are not attached to its stock mail; the partner downloads them. */
export const MAX_ATTACHED_KEYS = 10_000;

const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * Whether mail may be sent to `address`: one plain address (no display name, no list, no header
 * tricks), as it is stored. Stricter than RFC 5322 on purpose: what passes here cannot change the
 * meaning of a header it is written into.
 */
export function isMailableAddress(address: string): boolean {
  return address.length <= 254 && ADDRESS.test(address) && (address.split('@')[0]?.length ?? 0) <= 64;
}

export function checkMailableAddress(address: string, field = '/to'): string {
  const trimmed = address.trim();
  if (!isMailableAddress(trimmed)) throw invalidField(field, 'must be one email address, like name@example.com');
  return trimmed;
}

/**
 * Text that ends up in a header (subject, a name in From): one line. Line breaks and other control
 * characters would let a value start a header of its own, so they become spaces.
 */
export function headerText(value: string, maxLength = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const flat = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

/** How an attempt to hand a message to the mail server ended. */
export type DeliveryFailure = { permanent: boolean; reason: string };

/**
 * A 5xx reply is the server's final word (unknown mailbox, refused content): retrying will not
 * change it. Everything else (a 4xx, a refused or dropped connection, a timeout) may pass.
 */
export function classifyDeliveryError(error: {
  responseCode?: unknown;
  code?: unknown;
  message?: unknown;
}): DeliveryFailure {
  const status = typeof error.responseCode === 'number' ? error.responseCode : undefined;
  const code = typeof error.code === 'string' ? error.code : undefined;
  const permanent = status !== undefined && status >= 500 && status < 600;
  const what = status !== undefined ? `${status}` : (code ?? 'error');
  const message = typeof error.message === 'string' ? headerText(error.message, 300) : '';
  return { permanent, reason: message ? `${what}: ${message}` : what };
}
