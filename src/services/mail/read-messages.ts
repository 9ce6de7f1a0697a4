import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import type { Message, MessageKind, MessageStatus } from '../../domain/mail.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import type { Db } from '../../store/database.ts';
import { type StoredMessage, findMessage, listMessages, publicMessage } from '../../store/messages.ts';
import { isProducer, ownAccountId, requireRole } from '../access.ts';
import type { ServiceContext } from '../context.ts';

/** The producer reads every message; a partner the messages of its own business. */
export const messageReaders = ['admin', 'operator', 'partner'] as const;

/** Whose messages the actor sees: undefined for all. */
export function messageScope(actor: Actor): string | undefined {
  requireRole(actor, messageReaders);
  if (isProducer(actor)) return undefined;
  const accountId = ownAccountId(actor);
  if (!accountId) throw new AppError('FORBIDDEN', 'A partner credential must belong to an account.');
  return accountId;
}

/** Whether the actor reads every message (and so is told how mail leaves): the producer's. */
export function readsEveryMessage(actor: Actor): boolean {
  return messageScope(actor) === undefined;
}

export async function listVisibleMessages(
  ctx: ServiceContext,
  actor: Actor,
  filter: { status?: MessageStatus | undefined; kind?: MessageKind | undefined },
  page: PageRequest,
): Promise<Page<Message>> {
  const partnerAccountId = messageScope(actor);
  return listMessages(ctx.store.db, { ...filter, partnerAccountId }, page, partnerAccountId !== undefined);
}

export async function findVisibleMessage(db: Db, actor: Actor, id: string): Promise<StoredMessage> {
  const message = await findMessage(db, id, messageScope(actor));
  if (!message) throw notFound(`Message ${id}`);
  return message;
}

export async function getMessage(ctx: ServiceContext, actor: Actor, id: string): Promise<Message> {
  const message = await findVisibleMessage(ctx.store.db, actor, id);
  return publicMessage(message, !isProducer(actor));
}
