import { Type } from 'typebox';
import { roles } from '../../domain/actors.ts';
import { Nullable, ResourceId, ShortText, Strict, StringEnum } from './common.ts';

/** What a caller sends to the api-keys routes: the API validates requests with these, the portal its forms. */
export const ApiKeyInput = Strict({
  role: StringEnum(roles),
  accountId: Type.Optional(Nullable(ResourceId)),
  name: Type.Optional(ShortText),
});
