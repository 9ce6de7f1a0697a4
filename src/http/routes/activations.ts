import { Type } from 'typebox';
import { activationStates } from '../../domain/activations.ts';
import { activate } from '../../services/activations/activate.ts';
import { rehostActivation, returnActivation, revokeActivation } from '../../services/activations/end-activation.ts';
import { activateOffline, returnOffline } from '../../services/activations/offline.ts';
import { licenseFileHere } from '../../interface/public-url.ts';
import { getActivation, getActivationLicense, listActivations } from '../../services/activations/read-activations.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { App } from '../../interface/app.ts';
import { open, publicRoute } from '../../interface/public-limits.ts';
import {
  IdParams,
  PageOf,
  PageQuery,
  ResourceId,
  Strict,
  StringEnum,
  problemResponses,
} from '../../interface/schemas/common.ts';
import { ActivationAnswer, ActivationSchema, LicenseSchema } from '../schemas/activations.ts';
import { ActivateBody, Code, DeviceName, Fingerprint } from '../../interface/schemas/activations-inputs.ts';

const tags = ['Activations'];

const RequestText = Type.String({ minLength: 1, maxLength: 64 * 1024 });

export async function activationRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/activations',
    {
      config: publicRoute({ guessLimited: 'activation', secretAnswer: true }),
      schema: {
        operationId: 'activate',
        tags,
        security: open,
        summary: 'Activate a device (no API key needed)',
        description:
          "With a line item's activation ID, or a web register key (an unredeemed key is redeemed on the spot for a new " +
          'anonymous end customer of the partner). `201` with the licence; `200` with the same licence when this device ' +
          'already holds an activation of the line item. `409 COUNT_EXCEEDED` when `quantity + overdraft` are in use.',
        body: ActivateBody,
        response: { 200: ActivationAnswer, 201: ActivationAnswer, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { created, activation, license } = await activate(ctx, request.actor, request.body);
      return reply
        .code(created ? 201 : 200)
        .send({ activation, license: { ...license, file: licenseFileHere(ctx.config, request, license) } });
    },
  );

  await app.register(async (offline) => {
    offline.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) =>
      done(null, body),
    );
    const typed = offline as App;
    typed.post(
      '/activations/offline',
      {
        config: publicRoute({ guessLimited: 'activation', secretAnswer: true }),
        schema: {
          operationId: 'activateOffline',
          tags,
          security: open,
          summary: 'Activate from an offline activation request file',
          description:
            'The file written by `licentia activation-request` on the offline machine, as `text/plain` or JSON `{request}`.',
          body: {
            content: {
              'text/plain': { schema: RequestText },
              'application/json': { schema: Strict({ request: RequestText }) },
            },
          },
          response: { 200: ActivationAnswer, 201: ActivationAnswer, ...problemResponses },
        },
      },
      async (request, reply) => {
        const text = typeof request.body === 'string' ? request.body : (request.body as { request: string }).request;
        const { created, activation, license } = await activateOffline(ctx, request.actor, text);
        return reply
          .code(created ? 201 : 200)
          .send({ activation, license: { ...license, file: licenseFileHere(ctx.config, request, license) } });
      },
    );
    typed.post(
      '/activations/offline/return',
      {
        config: publicRoute({ guessLimited: 'activation' }),
        schema: {
          operationId: 'returnOffline',
          tags,
          security: open,
          summary: 'Return an activation with a signed offline return request',
          description: 'The file written by `licentia return-request`, signed by the key the device activated with.',
          body: {
            content: {
              'text/plain': { schema: RequestText },
              'application/json': { schema: Strict({ request: RequestText }) },
            },
          },
          response: { 200: ActivationSchema, ...problemResponses },
        },
      },
      async (request) => {
        const text = typeof request.body === 'string' ? request.body : (request.body as { request: string }).request;
        return returnOffline(ctx, request.actor, text);
      },
    );
  });

  app.get(
    '/activations',
    {
      schema: {
        operationId: 'listActivations',
        tags,
        summary: 'List activations',
        description: 'Partners see those of entitlements they sold, customers their own.',
        querystring: Strict({
          entitlement: Type.Optional(ResourceId),
          activationId: Type.Optional(Code),
          deviceId: Type.Optional(ResourceId),
          account: Type.Optional(ResourceId),
          state: Type.Optional(StringEnum(activationStates)),
          fingerprint: Type.Optional(Fingerprint),
          test: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: PageOf(ActivationSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listActivations(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/activations/:id',
    {
      schema: {
        operationId: 'getActivation',
        tags,
        summary: 'Get an activation',
        description:
          'One activation the caller may see: device, line item, count, state, when it was issued and when its licence expires.',
        params: IdParams,
        response: { 200: ActivationSchema, ...problemResponses },
      },
    },
    async (request) => getActivation(ctx, request.actor, request.params.id),
  );

  app.get(
    '/activations/:id/license',
    {
      config: { secretAnswer: true },
      schema: {
        operationId: 'getActivationLicense',
        tags,
        summary: "Download an activation's licence",
        description: 'JSON `{token, file}`, or the licence file itself with `Accept: text/plain`.',
        params: IdParams,
        response: { 200: LicenseSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const stored = await getActivationLicense(ctx, request.actor, request.params.id);
      const license = { ...stored, file: licenseFileHere(ctx.config, request, stored) };
      if ((request.headers.accept ?? '').includes('text/plain')) {
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="${request.params.id}.lic"`)
          .send(license.file as never);
      }
      return license;
    },
  );

  app.post(
    '/activations/:id/return',
    {
      config: publicRoute({ guessLimited: 'activation' }),
      schema: {
        operationId: 'returnActivation',
        tags,
        summary: 'Return an activation, freeing its count',
        description:
          'With an API key (the owner, its partner, the producer), or without one by the device, sending its licence as `{token}`. ' +
          "Returns by the customer side count against the license model's `maxRehosts` (`409 REHOST_LIMIT_REACHED`).",
        params: IdParams,
        body: Strict({
          token: Type.Optional(
            Type.String({
              maxLength: 16 * 1024,
              description: 'The licence, when the device returns it without an API key.',
            }),
          ),
        }),
        response: { 200: ActivationSchema, ...problemResponses },
      },
    },
    async (request) => {
      const token = request.body.token;
      return returnActivation(ctx, request.actor, request.params.id, token === undefined ? undefined : { token });
    },
  );

  app.post(
    '/activations/:id/rehost',
    {
      config: publicRoute({ guessLimited: 'activation' }),
      schema: {
        operationId: 'rehostActivation',
        tags,
        summary: 'Move an activation to another device',
        description: 'A return and an activation on `fingerprint` in one step; limited by `maxRehosts` like a return.',
        params: IdParams,
        body: Strict({
          fingerprint: Fingerprint,
          deviceName: Type.Optional(DeviceName),
          token: Type.Optional(Type.String({ maxLength: 16 * 1024 })),
        }),
        response: { 201: ActivationAnswer, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { token, ...target } = request.body;
      const { activation, license } = await rehostActivation(
        ctx,
        request.actor,
        request.params.id,
        target,
        token === undefined ? undefined : { token },
      );
      return reply
        .code(201)
        .send({ activation, license: { ...license, file: licenseFileHere(ctx.config, request, license) } });
    },
  );

  app.post(
    '/activations/:id/revoke',
    {
      schema: {
        operationId: 'revokeActivation',
        tags,
        summary: 'Revoke an activation (producer)',
        description:
          'The licence validates as `REVOKED` from now on; the count comes back and does not count as a rehost.',
        params: IdParams,
        response: { 200: ActivationSchema, ...problemResponses },
      },
    },
    async (request) => revokeActivation(ctx, request.actor, request.params.id),
  );
}
