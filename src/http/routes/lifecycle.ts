import { type Static, Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { renewLineItem, upgradeLineItem, upsellLineItem } from '../../services/lifecycle/change-line-item.ts';
import { splitLineItem } from '../../services/lifecycle/split-line-item.ts';
import { transferLineItem } from '../../services/lifecycle/transfer-line-item.ts';
import type { App } from '../../interface/app.ts';
import { Strict, problemResponses } from '../../interface/schemas/common.ts';
import { LineItemSchema } from '../schemas/entities.ts';
import {
  TransferLineItemInput,
  SplitLineItemInput,
  RenewLineItemInput,
  UpsellLineItemInput,
  UpgradeLineItemInput,
} from '../../interface/schemas/lifecycle-inputs.ts';

const tags = ['Lifecycle operations'];
const Params = Strict({ activationId: Type.String({ minLength: 1, maxLength: 100 }) });
const Moved = Type.Object({
  lineItem: LineItemSchema,
  newLineItem: LineItemSchema,
  entitlementId: Type.String({ description: 'The entitlement of the new line item.' }),
});

export type MovedBody = Static<typeof Moved>;

export async function lifecycleRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/line-items/:activationId/transfer',
    {
      schema: {
        operationId: 'transferLineItem',
        tags,
        summary: 'Transfer a deployed line item to another account',
        description:
          'The whole quantity moves to a new line item (new activation ID) of a new entitlement of `accountId`; the old line item ' +
          'becomes obsolete in the same transaction. `activations: "move"` takes its active activations along (their devices ' +
          'now belong to the new owner and their licences keep working); `"require-returned"` refuses while any is active. ' +
          'The producer transfers to any account, a partner to its own customers. Answers `201`: a new entitlement and line item are created.',
        params: Params,
        body: TransferLineItemInput,
        response: { 201: Moved, ...problemResponses },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return transferLineItem(ctx, request.actor, request.params.activationId, request.body);
    },
  );

  app.post(
    '/line-items/:activationId/split',
    {
      schema: {
        operationId: 'splitLineItem',
        tags,
        summary: 'Split part of the free quantity off into a new line item',
        description:
          'Moves `quantity` of the not-activated quantity to a new line item, in the same entitlement or, with `accountId`, in a ' +
          'new entitlement of that account. The new line item records `parentActivationId`. All of the free quantity may move. ' +
          'Answers `201`: a new line item (and maybe entitlement) is created.',
        params: Params,
        body: SplitLineItemInput,
        response: { 201: Moved, ...problemResponses },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return splitLineItem(ctx, request.actor, request.params.activationId, request.body);
    },
  );

  app.post(
    '/line-items/:activationId/renew',
    {
      schema: {
        operationId: 'renewLineItem',
        tags,
        summary: 'Renew: a later expiration date (producer)',
        description:
          'Licences issued afterwards carry it; a device activating again gets a licence with the new expiry.',
        params: Params,
        body: RenewLineItemInput,
        response: { 200: LineItemSchema, ...problemResponses },
      },
    },
    async (request) => renewLineItem(ctx, request.actor, request.params.activationId, request.body.expirationDate),
  );

  app.post(
    '/line-items/:activationId/upsell',
    {
      schema: {
        operationId: 'upsellLineItem',
        tags,
        summary: 'Upsell: more quantity on the same activation ID (producer)',
        description:
          'Raises the quantity of a deployed line item on the same activation ID, so that devices already activated keep their licences.',
        params: Params,
        body: UpsellLineItemInput,
        response: { 200: LineItemSchema, ...problemResponses },
      },
    },
    async (request) => upsellLineItem(ctx, request.actor, request.params.activationId, request.body.quantity),
  );

  app.post(
    '/line-items/:activationId/upgrade',
    {
      schema: {
        operationId: 'upgradeLineItem',
        tags,
        summary: 'Upgrade to a newer version, or to a product the catalogue allows (producer)',
        description:
          "The line item's product becomes `productId`, allowed when it is a newer version of the same name or when its " +
          '`upgradesFrom` lists the current product; otherwise `422 UPGRADE_NOT_ALLOWED`. Existing activations keep the product ' +
          'they were licensed for until returned; new activations get the new one. The terms before are kept as a version ' +
          '(`GET /line-items/{activationId}/history`).',
        params: Params,
        body: UpgradeLineItemInput,
        response: { 200: LineItemSchema, ...problemResponses },
      },
    },
    async (request) => upgradeLineItem(ctx, request.actor, request.params.activationId, request.body.productId),
  );
}
