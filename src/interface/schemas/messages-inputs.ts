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

export const EmailActivationIdsBody = Strict({
  to: Type.Optional({ ...Email, description: "Default: the entitlement's ship-to address." }),
  activationIds: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Which line items; default all that can be activated.',
    }),
  ),
  note: Type.Optional(Type.String({ maxLength: 1000, description: 'A line from the sender, above the IDs.' })),
});
