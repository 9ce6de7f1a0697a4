import { Type } from 'typebox';
import { MAX_QUANTITY } from '../../domain/entitlements.ts';
import { DateOnly, ResourceId, Strict, StringEnum } from './common.ts';

/** What a caller sends to the lifecycle routes: the API validates requests with these, the portal its forms. */
const EntitlementId = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'The ID of the new entitlement; generated when left out.',
});
export const TransferLineItemInput = Strict({
  accountId: ResourceId,
  activations: StringEnum(['move', 'require-returned'] as const),
  entitlementId: Type.Optional(EntitlementId),
});

export const SplitLineItemInput = Strict({
  quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
  accountId: Type.Optional(ResourceId),
  entitlementId: Type.Optional(EntitlementId),
});

export const RenewLineItemInput = Strict({ expirationDate: DateOnly });

export const UpsellLineItemInput = Strict({
  quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY, description: 'How much to add.' }),
});

export const UpgradeLineItemInput = Strict({ productId: ResourceId });
