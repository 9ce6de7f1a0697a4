import { Type } from 'typebox';
import { MAX_QUANTITY } from '../../domain/entitlements.ts';
import { DateOnly, Nullable, ResourceId, Strict } from './common.ts';

/** What a caller sends to the line-items routes: the API validates requests with these, the portal its forms. */
/** A change to a draft or test line item: what is left out stays as it is; `null` clears a date. */
export const LineItemUpdateInput = Strict({
  productId: Type.Optional(ResourceId),
  quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUANTITY })),
  startDate: Type.Optional(Nullable(DateOnly)),
  expirationDate: Type.Optional(Nullable(DateOnly)),
});
