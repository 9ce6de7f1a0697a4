import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Static, Type } from 'typebox';
import { keyRejectionReasons, keyStates } from '../../domain/bulk.ts';
import {
  exportWebRegisterKeys,
  getWebRegisterKey,
  listWebRegisterKeys,
} from '../../services/bulk/read-web-register-keys.ts';
import { type KeyLoadJson, keySourceFromJson } from '../../services/bulk/key-source.ts';
import { loadWebRegisterKeys } from '../../services/bulk/load-web-register-keys.ts';
import { redeemWebRegisterKey } from '../../services/bulk/redeem-web-register-key.ts';
import { splitBulkEntitlement } from '../../services/bulk/split-bulk-entitlement.ts';
import { voidWebRegisterKey, voidWebRegisterKeys } from '../../services/bulk/void-web-register-keys.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { App } from '../../interface/app.ts';
import {
  IdParams,
  Nullable,
  PageOf,
  PageQuery,
  ResourceId,
  Strict,
  StringEnum,
  Timestamp,
  problemResponses,
} from '../../interface/schemas/common.ts';
import { EntitlementSchema } from '../schemas/entities.ts';
import { type SpooledUpload, acceptSpooledText } from '../../interface/spooled-upload.ts';
import { csvLines } from '../../interface/key-csv.ts';
import {
  KeyLoadJsonBody,
  VoidKeysInput,
  SplitStockInput,
  RedeemKeyInput,
} from '../../interface/schemas/web-register-keys-inputs.ts';
import { csvReply } from '../../interface/csv-reply.ts';

const tags = ['Web register keys'];

const KeySchema = Type.Object({
  key: Type.String(),
  state: StringEnum(keyStates),
  entitlementId: Type.String({ description: 'The bulk entitlement holding the key.' }),
  redeemedEntitlementId: Nullable(Type.String({ description: 'The simple entitlement the key became.' })),
  redeemedAt: Nullable(Timestamp),
  voidedAt: Nullable(Timestamp),
  loadId: Type.String(),
  loadedAt: Timestamp,
});

export type WebRegisterKeyBody = Static<typeof KeySchema>;

const Rejected = Type.Array(
  Type.Object({
    key: Type.String(),
    reason: StringEnum(keyRejectionReasons),
    entitlementId: Type.Optional(
      Type.String({ description: 'For `entitlement-id-taken`: the entitlement that has the ID this key would make.' }),
    ),
  }),
);
const KeyLoad = Type.Object({
  loadId: Type.String(),
  entitlementId: Type.String(),
  added: Type.Integer(),
  rejected: Rejected,
});

export type KeyLoadBody = Static<typeof KeyLoad>;

const KeysVoided = Type.Object({
  voided: Type.Integer(),
  rejected: Type.Array(Type.Object({ key: Type.String(), reason: StringEnum(['not-found', 'redeemed', 'void']) })),
});

export type KeysVoidedBody = Static<typeof KeysVoided>;

const KeyParams = Strict({ key: Type.String({ minLength: 1, maxLength: 100 }) });
const Partial = Strict({
  partial: Type.Optional(Type.Boolean({ default: false, description: 'Act on the good ones and report the others.' })),
});

export async function webRegisterKeyRoutes(app: App, ctx: ServiceContext): Promise<void> {
  await app.register(async (uploads) => {
    acceptSpooledText(uploads, ctx.config.keyUploadLimitBytes);
    (uploads as App).post(
      '/entitlements/:id/web-register-keys',
      {
        bodyLimit: ctx.config.keyUploadLimitBytes,
        schema: {
          operationId: 'loadWebRegisterKeys',
          tags,
          summary: 'Load web register keys into a bulk entitlement',
          description:
            'A `text/plain` key file (one key per line; blank lines and lines starting with `#` are skipped; ' +
            'spaces trimmed; streamed, so a million keys load in one request), or JSON `{keys:[…]}`, `{key}` or ' +
            '`{generate: N, prefix?}`. Keys are 4–64 of `A-Z a-z 0-9 - _ .`, unique in the whole system, ' +
            'compared without case or hyphens. All or nothing: one bad key rejects the load with `422 KEYS_REJECTED` ' +
            'listing every rejected key, unless `?partial=true`. None of the keys is listed, counted or redeemable ' +
            'before the answer, but their codes are taken from the start. Send an `Idempotency-Key` header to retry ' +
            'safely (`409 IDEMPOTENCY_CONFLICT` while the first request with it is still loading).',
          params: IdParams,
          querystring: Partial,
          body: {
            content: {
              'application/json': { schema: KeyLoadJsonBody },
              // Spooled to disk by its parser rather than held as a string, so it is not schema-validated.
              'text/plain': { schema: Type.Unknown({ description: 'A key file: one key per line, UTF-8.' }) },
            },
          },
          response: {
            201: KeyLoad,
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        const spooled = request.spooled;
        const body = request.body as KeyLoadJson | SpooledUpload;
        const partial = request.query.partial ?? false;
        const source = spooled
          ? { kind: 'lines' as const, lines: spooled.lines() }
          : keySourceFromJson(body as KeyLoadJson);
        const idempotencyKey = request.headers['idempotency-key'];
        const requestHash = createHash('sha256')
          .update(`${partial}\n`)
          .update(spooled ? `text:${spooled.sha256}` : `json:${JSON.stringify(body)}`)
          .digest('hex');
        const result = await loadWebRegisterKeys(ctx, request.actor, request.params.id, source, {
          partial,
          idempotency:
            typeof idempotencyKey === 'string' && idempotencyKey !== ''
              ? { key: idempotencyKey.slice(0, 200), requestHash }
              : undefined,
        });
        return reply.code(201).send(result);
      },
    );
  });

  app.get(
    '/entitlements/:id/web-register-keys',
    {
      schema: {
        operationId: 'listWebRegisterKeys',
        tags,
        summary: "List or export a bulk entitlement's keys",
        description: 'JSON pages, or with `Accept: text/csv` every matching key as one streamed CSV file.',
        params: IdParams,
        querystring: Strict({
          status: Type.Optional(StringEnum(keyStates)),
          loadId: Type.Optional(ResourceId),
          ...PageQuery,
        }),
        response: {
          200: {
            content: {
              'application/json': { schema: PageOf(KeySchema) },
              'text/csv': {
                schema: Type.String({
                  description: `Columns: ${['key', 'state', 'entitlementId', 'redeemedEntitlementId', 'redeemedAt', 'voidedAt', 'loadId', 'loadedAt'].join(', ')}`,
                }),
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status, loadId } = request.query;
      const filter = { state: status, loadId };
      if ((request.headers.accept ?? '').includes('text/csv')) {
        const exported = await exportWebRegisterKeys(ctx, request.actor, request.params.id, filter);
        // A stream is sent as is; the JSON response schema does not apply to it.
        return csvReply(reply, `${exported.entitlementId}-keys.csv`).send(
          Readable.from(csvLines(exported.batches)) as never,
        );
      }
      return listWebRegisterKeys(ctx, request.actor, request.params.id, filter, { limit, cursor });
    },
  );

  app.post(
    '/entitlements/:id/web-register-keys/void',
    {
      schema: {
        operationId: 'voidWebRegisterKeys',
        tags,
        summary: 'Void unredeemed keys of a bulk entitlement',
        description: 'Redeemed keys cannot be voided. All or nothing unless `?partial=true`.',
        params: IdParams,
        querystring: Partial,
        body: VoidKeysInput,
        response: {
          200: KeysVoided,
          ...problemResponses,
        },
      },
    },
    async (request) =>
      voidWebRegisterKeys(ctx, request.actor, request.params.id, request.body.keys, {
        partial: request.query.partial ?? false,
      }),
  );

  app.post(
    '/entitlements/:id/split',
    {
      schema: {
        operationId: 'splitBulkEntitlement',
        tags,
        summary: 'Split stock to a tier-2 partner',
        description:
          'Moves `count` unredeemed keys (oldest first) or the listed `keys` into a new bulk entitlement whose tier-2 partner ' +
          'is `partnerAccountId`. The new entitlement records `parentEntitlementId`.',
        params: IdParams,
        body: SplitStockInput,
        response: { 201: EntitlementSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await splitBulkEntitlement(ctx, request.actor, request.params.id, request.body)),
  );

  app.get(
    '/web-register-keys/:key',
    {
      config: { guessLimited: 'keys' },
      schema: {
        operationId: 'getWebRegisterKey',
        tags,
        summary: 'A key: its state and, once redeemed, the entitlement it became',
        description:
          'One key of a bulk entitlement the caller may see: its state and, once redeemed, the entitlement it became.',
        params: KeyParams,
        response: { 200: KeySchema, ...problemResponses },
      },
    },
    async (request) => getWebRegisterKey(ctx, request.actor, request.params.key),
  );

  app.post(
    '/web-register-keys/:key/redeem',
    {
      config: { guessLimited: 'keys' },
      schema: {
        operationId: 'redeemWebRegisterKey',
        tags,
        summary: 'Redeem a key into a simple entitlement',
        description:
          'Once, ever: a second attempt is `409 ALREADY_REDEEMED`. A partner redeems for its own account, one of its customers ' +
          '(`accountId`), or a new anonymous end customer known by name only (`accountName`). `registration` follows the bulk ' +
          "entitlement's policy: refused when it is `none`, required when `required`.",
        params: KeyParams,
        body: RedeemKeyInput,
        response: { 201: EntitlementSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await redeemWebRegisterKey(ctx, request.actor, request.params.key, request.body)),
  );

  app.post(
    '/web-register-keys/:key/void',
    {
      schema: {
        operationId: 'voidWebRegisterKey',
        tags,
        summary: 'Void one unredeemed key',
        description:
          'Voids one unredeemed key, so that it can no longer be redeemed (producer). A redeemed or void key is `409 INVALID_STATE`.',
        params: KeyParams,
        response: { 200: KeySchema, ...problemResponses },
      },
    },
    async (request) => voidWebRegisterKey(ctx, request.actor, request.params.key),
  );
}
