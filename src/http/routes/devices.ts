import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { getDevice, listDevices } from '../../services/activations/read-activations.ts';
import type { App } from '../../interface/app.ts';
import { IdParams, PageOf, PageQuery, ResourceId, Strict, problemResponses } from '../../interface/schemas/common.ts';
import { DeviceSchema } from '../schemas/activations.ts';
import { Fingerprint } from '../../interface/schemas/activations-inputs.ts';

export async function deviceRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/devices',
    {
      schema: {
        operationId: 'listDevices',
        tags: ['Devices'],
        summary: 'List devices',
        description: 'A device belongs to the account that owns the line item it activated.',
        querystring: Strict({
          account: Type.Optional(ResourceId),
          fingerprint: Type.Optional(Fingerprint),
          ...PageQuery,
        }),
        response: { 200: PageOf(DeviceSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listDevices(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/devices/:id',
    {
      schema: {
        operationId: 'getDevice',
        tags: ['Devices'],
        summary: 'Get a device',
        description:
          'One device the caller may see: its fingerprint, name, when it was first and last seen, and how many activations it holds.',
        params: IdParams,
        response: { 200: DeviceSchema, ...problemResponses },
      },
    },
    async (request) => getDevice(ctx, request.actor, request.params.id),
  );
}
