import type { MailAttachment, Message, MessageKind, MessageStatus } from '../domain/mail.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import type { NewRow, Row } from './schema.ts';

/** What is sent: kept with the message so that every attempt, and a resend, sends the same. */
export interface MessageBody {
  text: string;
  html: string;
  attachments: MailAttachment[];
}

export interface StoredMessage extends Message {
  body: MessageBody | null;
  secret: boolean;
  recipientPrivate: boolean;
}

function toMessage(row: Row<'messages'>): StoredMessage {
  return {
    id: row.id,
    to: row.recipient,
    subject: row.subject,
    kind: row.kind as MessageKind,
    status: row.status as MessageStatus,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    partnerAccountId: row.partner_account_id,
    reference: row.reference,
    resendable: row.body !== null,
    body: row.body === null ? null : (JSON.parse(row.body) as MessageBody),
    secret: row.secret === 1,
    recipientPrivate: row.recipient_private === 1,
  };
}

/** What a reader sees; the producer does not see where mail to an anonymous end customer went. */
export function publicMessage(message: StoredMessage, showPrivate: boolean): Message {
  const { body: _body, secret: _secret, recipientPrivate, ...shown } = message;
  return recipientPrivate && !showPrivate ? { ...shown, to: HIDDEN_RECIPIENT } : shown;
}

export const HIDDEN_RECIPIENT = '(an end customer of the partner)';

export async function insertMessage(
  db: Db,
  row: Omit<NewRow<'messages'>, 'body'> & { body: MessageBody },
): Promise<void> {
  await db
    .insertInto('messages')
    .values({ ...row, body: JSON.stringify(row.body) })
    .execute();
}

export async function findMessage(db: Db, id: string, partnerAccountId?: string): Promise<StoredMessage | undefined> {
  let query = db.selectFrom('messages').selectAll().where('id', '=', id);
  if (partnerAccountId !== undefined) query = query.where('partner_account_id', '=', partnerAccountId);
  const row = await query.executeTakeFirst();
  return row ? toMessage(row) : undefined;
}

export interface MessageFilter {
  /** Only this partner's messages; undefined for all. */
  partnerAccountId?: string | undefined;
  status?: MessageStatus | undefined;
  kind?: MessageKind | undefined;
}

/** Newest first, like an outbox. */
export async function listMessages(
  db: Db,
  filter: MessageFilter,
  page: PageRequest,
  showPrivate: boolean,
): Promise<Page<Message>> {
  const limit = pageSize(page);
  const before = decodeCursor(page.cursor);
  let query = db
    .selectFrom('messages')
    .select([
      'id',
      'kind',
      'status',
      'recipient',
      'subject',
      'secret',
      'recipient_private',
      'partner_account_id',
      'reference',
      'attempts',
      'last_error',
      'created_at',
      'updated_at',
      'sent_at',
    ])
    // Whether a body is kept, without reading the body of every message listed.
    .select((eb) => eb.case().when('body', 'is', null).then(null).else('').end().as('body'));
  if (filter.partnerAccountId !== undefined) query = query.where('partner_account_id', '=', filter.partnerAccountId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (before) query = query.where('id', '<', before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(
    rows,
    limit,
    (r) => r.id,
    (r) => publicMessage({ ...toMessage({ ...r, body: null }), resendable: r.body !== null }, showPrivate),
  );
}

/** One attempt ended: sent, or failed for good, or still to be retried (status stays queued). */
export async function recordAttempt(
  db: Db,
  id: string,
  outcome: { status: MessageStatus; error: string | null; at: string; dropBody: boolean },
): Promise<void> {
  await db
    .updateTable('messages')
    .set((eb) => ({
      status: outcome.status,
      attempts: eb('attempts', '+', 1),
      last_error: outcome.error,
      updated_at: outcome.at,
      ...(outcome.status === 'sent' ? { sent_at: outcome.at } : {}),
      ...(outcome.dropBody ? { body: null } : {}),
    }))
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .execute();
}

/**
 * Queues a sent or failed message again. Conditional, so that two resends at once queue it once;
 * answers whether this call did.
 */
export async function requeueMessage(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'queued', last_error: null, updated_at: at })
    .where('id', '=', id)
    .where('status', '!=', 'queued')
    .where('body', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
