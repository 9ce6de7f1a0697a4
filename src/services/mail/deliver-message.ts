import { systemActor } from '../../domain/actors.ts';
import { classifyDeliveryError } from '../../domain/mail.ts';
import type { Db } from '../../store/database.ts';
import { findMessage, recordAttempt } from '../../store/messages.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction, onCommit } from '../context.ts';

/** How many times a temporary failure is tried before the message is marked failed. */
export const MAX_MAIL_ATTEMPTS = 8;

/** Thrown for a temporary failure, so that whoever delivers tries again later. */
export class RetryLater extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RetryLater';
  }
}

/**
 * Arranges the delivery of message `id` once `tx` commits.
 * TODO(outbox): enqueue a `mail` item in the transactional outbox instead, in `tx`.
 */
export async function scheduleDelivery(ctx: ServiceContext, tx: Db, id: string): Promise<void> {
  onCommit(tx, () => {
    deliverMessage(ctx, id).catch(() => undefined);
  });
}

/**
 * One attempt to hand message `id` to the mail server. Sent or refused for good (a 5xx), the
 * message says so; a temporary failure (4xx, connection refused, timeout) leaves it queued and
 * throws RetryLater, until the last attempt marks it failed.
 */
export async function deliverMessage(ctx: ServiceContext, id: string, attempt = 1): Promise<void> {
  const message = await findMessage(ctx.store.db, id);
  if (!message || message.status !== 'queued' || message.body === null) return;
  let failure: { permanent: boolean; reason: string } | undefined;
  try {
    await ctx.mail.send({
      messageId: message.id,
      to: message.to,
      subject: message.subject,
      text: message.body.text,
      html: message.body.html,
      attachments: message.body.attachments,
    });
  } catch (error) {
    failure = classifyDeliveryError(error as { responseCode?: unknown; code?: unknown; message?: unknown });
  }
  const final = failure === undefined || failure.permanent || attempt >= MAX_MAIL_ATTEMPTS;
  const status = failure === undefined ? 'sent' : final ? 'failed' : 'queued';
  await inTransaction(ctx, async (tx, at) => {
    await recordAttempt(tx, id, { status, error: failure?.reason ?? null, at, dropBody: final && message.secret });
    if (final) {
      await audit(tx, systemActor, at, {
        action: status === 'sent' ? 'message.sent' : 'message.failed',
        subjectType: 'message',
        subjectId: id,
        after: { kind: message.kind, status, ...(failure ? { error: failure.reason } : {}) },
      });
    }
  });
  if (failure && !final) throw new RetryLater(failure.reason);
}
