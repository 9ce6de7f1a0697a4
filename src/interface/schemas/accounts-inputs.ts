import { Type } from 'typebox';
import { accountTypes } from '../../domain/accounts.ts';
import { Email, Name, Nullable, ResourceId, ShortText, Strict, StringEnum } from './common.ts';

/** What a caller sends to the accounts routes: the API validates requests with these, the portal its forms. */
export const AccountInput = Strict({
  name: Name,
  type: StringEnum(accountTypes),
  parentAccountId: Type.Optional(Nullable(ResourceId)),
  anonymous: Type.Optional(Type.Boolean()),
});

export const AccountChanges = Strict({
  name: Type.Optional(Name),
  parentAccountId: Type.Optional(Nullable(ResourceId)),
});

export const ContactInput = Strict({
  name: Name,
  email: Email,
  phone: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
});

export const AccountFilters = {
  type: Type.Optional(StringEnum(accountTypes)),
  parentAccountId: Type.Optional(ResourceId),
  anonymous: Type.Optional(Type.Boolean()),
  name: Type.Optional(ShortText),
};
