import { systemActor } from '../../domain/actors.ts';
import { mailRetrySchedule } from '../../domain/backoff.ts';
import { type MessageStatus, classifyDeliveryError, isMailableAddress } from '../../domain/mail.ts';
import type { Db } from '../../store/database.ts';
import { findMessage, recordAttempt } from '../../store/messages.ts';
import type { OutboxMessage } from '../../store/outbox.ts';
import { audit } from '../audit.ts';
import type { ServiceContext } from '../context.ts';
import type { DeliveryOutcome, OutboxHandler, SettledOutcome } from '../outbox/dispatcher.ts';
import { enqueue } from '../outbox/enqueue.ts';

interface MailPayload {
  messageId: string;
}

/**
 * Puts message `id` in the transactional outbox, in the transaction that wrote it: delivered once
 * that commits, even if this process dies right after; never if it rolls back.
 */
export async function scheduleDelivery(tx: Db, message: { id: string; kind: string; at: string }): Promise<void> {
  const payload: MailPayload = { messageId: message.id };
  await enqueue(tx, { kind: 'mail', topic: message.kind, target: message.id, payload, at: message.at });
}

/**
 * The outbox's `mail` kind: one attempt hands the message to the mail server. A 5xx is final (the
 * message is failed, and shown so); a 4xx, a refused connection or a timeout is tried again by
 * the schedule, then failed. The message row follows in the transaction that records the outcome.
 */
export function mailHandler(ctx: ServiceContext): OutboxHandler {
  return {
    kind: 'mail',
    schedule: ctx.config.mail.retrySchedule ?? mailRetrySchedule,
    async deliver(outbox: OutboxMessage): Promise<DeliveryOutcome> {
      const message = await findMessage(ctx.store.db, (outbox.payload as MailPayload).messageId);
      if (message?.status !== 'queued' || message.body === null)
        return { result: 'skipped', reason: 'nothing left to send' };
      if (!isMailableAddress(message.to)) return { result: 'failed', error: 'not a valid email address' };
      try {
        await ctx.mail.send({
          messageId: message.id,
          to: message.to,
          subject: message.subject,
          text: message.body.text,
          html: message.body.html,
          attachments: message.body.attachments,
        });
        return { result: 'delivered' };
      } catch (error) {
        const failure = classifyDeliveryError(error as { responseCode?: unknown; code?: unknown; message?: unknown });
        const statusCode = (error as { responseCode?: unknown }).responseCode;
        return {
          result: failure.permanent ? 'failed' : 'retry',
          statusCode: typeof statusCode === 'number' ? statusCode : null,
          error: failure.reason,
        };
      }
    },
    async settled(tx: Db, outbox: OutboxMessage, outcome: SettledOutcome, at: string): Promise<void> {
      if (outcome.outcome.result === 'skipped') return;
      const id = (outbox.payload as MailPayload).messageId;
      const message = await findMessage(tx, id);
      if (!message) return;
      const status: MessageStatus =
        outcome.status === 'delivered' ? 'sent' : outcome.status === 'pending' ? 'queued' : 'failed';
      const error = outcome.outcome.result === 'delivered' ? null : (outcome.outcome.error ?? null);
      await recordAttempt(tx, id, { status, error, at, dropBody: outcome.final && message.secret });
      if (outcome.final) {
        await audit(tx, systemActor, at, {
          action: status === 'sent' ? 'message.sent' : 'message.failed',
          subjectType: 'message',
          subjectId: id,
          after: { kind: message.kind, status, ...(error ? { error } : {}) },
        });
      }
    },
  };
}

/** Mail takes part in delivery. */
export function registerMailHandler(ctx: ServiceContext): void {
  ctx.outbox.register(mailHandler(ctx));
}
