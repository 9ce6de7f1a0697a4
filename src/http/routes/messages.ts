import { type Static, Type } from 'typebox';
import { messageKinds, messageStatuses } from '../../domain/mail.ts';
import type { ServiceContext } from '../../services/context.ts';
import { emailActivationIds } from '../../services/mail/activation-ids-mail.ts';
import { emailActivationLicense } from '../../services/mail/license-mail.ts';
import { listVisibleMessages } from '../../services/mail/read-messages.ts';
import { resendMessage } from '../../services/mail/resend-message.ts';
import type { App } from '../../interface/app.ts';
import { EmailActivationIdsBody, EmailLicenseBody, MessageListQuery } from '../../interface/schemas/messages-inputs.ts';
import { IdParams, Nullable, PageOf, StringEnum, Timestamp, problemResponses } from '../../interface/schemas/common.ts';

const tags = ['Mail'];

export const MessageSchema = Type.Object({
  id: Type.String(),
  to: Type.String({ description: "The recipient; the producer sees an anonymous end customer's as a placeholder." }),
  subject: Type.String(),
  kind: StringEnum(messageKinds),
  status: StringEnum(messageStatuses, {
    description: '`queued` until the mail server accepts it (`sent`) or refuses it for good (`failed`).',
  }),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String({ description: "The mail server's last refusal or the connection's failure." })),
  createdAt: Timestamp,
  sentAt: Nullable(Timestamp),
  partnerAccountId: Nullable(Type.String()),
  reference: Nullable(Type.String({ description: 'What it is about: an entitlement ID, an activation id.' })),
  resendable: Type.Boolean({ description: 'False once a message that carried a sign-in link has left.' }),
});

export type MessageBody = Static<typeof MessageSchema>;

export async function messageRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/messages',
    {
      schema: {
        operationId: 'listMessages',
        tags,
        summary: 'Mail sent or queued, newest first',
        description:
          'The producer sees every message, a partner those of its own business. Without `SMTP_URL` the messages are ' +
          'written as `.eml` files and listed here all the same.',
        querystring: MessageListQuery,
        response: { 200: PageOf(MessageSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listVisibleMessages(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.post(
    '/messages/:id/resend',
    {
      schema: {
        operationId: 'resendMessage',
        tags,
        summary: 'Send a sent or failed message again',
        description:
          '`202` with the message, queued again. `409 INVALID_STATE` while it is still queued, and for a message that ' +
          'carried a sign-in link (no copy is kept: send a new link).',
        params: IdParams,
        response: { 202: MessageSchema, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(202).send(await resendMessage(ctx, request.actor, request.params.id)),
  );

  app.post(
    '/activations/:id/email',
    {
      schema: {
        operationId: 'emailLicense',
        tags,
        summary: 'Mail the licence of an activation',
        description:
          "The licence file, attached, to `to` or else to the entitlement's ship-to address (a key's entitlement: " +
          "its bulk entitlement's). `202` with the queued message; `422` when there is no address; `409` when the " +
          'activation was returned or revoked.',
        params: IdParams,
        body: EmailLicenseBody,
        response: { 202: MessageSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await emailActivationLicense(ctx, request.actor, request.params.id, request.body ?? {})),
  );

  app.post(
    '/entitlements/:id/email',
    {
      schema: {
        operationId: 'emailActivationIds',
        tags,
        summary: "Mail an entitlement's activation IDs",
        description:
          'How a partner hands activation IDs to its customer: the usable (deployed or test) line items, or those named, ' +
          'to `to` or else the ship-to address, with an optional note. `202` with the queued message.',
        params: IdParams,
        body: EmailActivationIdsBody,
        response: { 202: MessageSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await emailActivationIds(ctx, request.actor, request.params.id, request.body)),
  );
}
