import { Type } from 'typebox';
import { roles } from '../../domain/actors.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/users.ts';
import { Email, Name, Nullable, ResourceId, Strict, StringEnum } from './common.ts';

/** What a caller sends to the users routes: the API validates requests with these, the portal its forms. */
export const UserInput = Strict({
  email: Email,
  name: Name,
  role: StringEnum(roles),
  accountId: Type.Optional(Nullable(ResourceId)),
  password: Type.Optional(
    Type.String({
      minLength: PASSWORD_MIN_LENGTH,
      maxLength: PASSWORD_MAX_LENGTH,
      description: 'Left out, the user signs in first with a sign-in link and sets a password then.',
    }),
  ),
});

export const UserChanges = Strict({ name: Type.Optional(Name), disabled: Type.Optional(Type.Boolean()) });

export const UserFilters = {
  role: Type.Optional(StringEnum(roles)),
  accountId: Type.Optional(ResourceId),
  email: Type.Optional(Type.String({ maxLength: 254, description: 'Part of the email address.' })),
};
