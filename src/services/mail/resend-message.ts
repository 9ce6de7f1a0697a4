import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { type Message, isMailableAddress } from '../../domain/mail.ts';
import { publicMessage, requeueMessage } from '../../store/messages.ts';
import { isProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { scheduleDelivery } from './deliver-message.ts';
import { findVisibleMessage } from './read-messages.ts';

/**
 * Sends a message again, as it was: after a permanent failure that has since been fixed (a
 * mailbox created), or to a recipient who lost it. A message that carried a sign-in link kept no
 * copy of it; ask for a new link instead.
 */
export async function resendMessage(ctx: ServiceContext, actor: Actor, id: string): Promise<Message> {
  return inTransaction(ctx, async (tx, at) => {
    const message = await findVisibleMessage(tx, actor, id);
    if (message.body === null) {
      throw new AppError(
        'INVALID_STATE',
        'This message carried a sign-in link and kept no copy of it; send a new link.',
      );
    }
    if (message.status === 'queued') throw new AppError('INVALID_STATE', 'This message is still queued for delivery.');
    if (!isMailableAddress(message.to)) {
      throw new AppError('UNPROCESSABLE', 'This message has no address mail can be sent to; send a new one.');
    }
    if (!(await requeueMessage(tx, id, at))) {
      throw new AppError('INVALID_STATE', 'This message was queued again meanwhile.');
    }
    await scheduleDelivery(tx, { id, kind: message.kind, at });
    await audit(tx, actor, at, {
      action: 'message.resent',
      subjectType: 'message',
      subjectId: id,
      before: { status: message.status },
      after: { status: 'queued' },
    });
    const again = await findVisibleMessage(tx, actor, id);
    return publicMessage(again, !isProducer(actor));
  });
}
