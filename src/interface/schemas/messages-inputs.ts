import { Type } from 'typebox';
import { messageKinds, messageStatuses } from '../../domain/mail.ts';
import { Email, PageQuery, Strict, StringEnum } from './common.ts';

export const EmailLicenseBody = Strict({
  to: Type.Optional({ ...Email, description: "Default: the entitlement's ship-to address." }),
});

export const MessageListQuery = Strict({
  status: Type.Optional(StringEnum(messageStatuses)),
  kind: Type.Optional(StringEnum(messageKinds)),
  ...PageQuery,
});
