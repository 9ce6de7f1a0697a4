import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { checkoutLease, heartbeatLease, releaseLeaseBy } from '../../services/activations/leases.ts';
import type { App } from '../../interface/app.ts';
import { open, publicRoute } from '../../interface/public-limits.ts';
import { IdParams, Strict, problemResponses } from '../../interface/schemas/common.ts';
import { LeaseSchema } from '../schemas/activations.ts';
import { Code, DeviceName, Fingerprint } from '../../interface/schemas/activations-inputs.ts';

const tags = ['Floating leases'];

export async function leaseRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/leases',
    {
      config: publicRoute({ guessLimited: 'activation' }),
      schema: {
        operationId: 'checkoutLease',
        tags,
        security: open,
        summary: 'Check out a floating seat',
        description:
          "The lease lasts the license model's `leaseSeconds` unless renewed by a heartbeat. `409 COUNT_EXCEEDED` when every seat " +
          'is leased. A device that already holds a live lease gets it back, extended (`200`).',
        body: Strict({ code: Code, fingerprint: Fingerprint, deviceName: Type.Optional(DeviceName) }),
        response: { 200: LeaseSchema, 201: LeaseSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { created, lease } = await checkoutLease(ctx, request.actor, request.body);
      return reply.code(created ? 201 : 200).send(lease);
    },
  );

  app.post(
    '/leases/:id/heartbeat',
    {
      config: publicRoute({ guessLimited: 'activation' }),
      schema: {
        operationId: 'heartbeatLease',
        tags,
        security: open,
        summary: 'Keep a floating seat',
        description: 'Extends a live lease; an expired one (`409 INVALID_STATE`) must be checked out again.',
        params: IdParams,
        body: Strict({ fingerprint: Fingerprint }),
        response: { 200: LeaseSchema, ...problemResponses },
      },
    },
    async (request) => heartbeatLease(ctx, request.params.id, request.body.fingerprint),
  );

  app.post(
    '/leases/:id/release',
    {
      config: publicRoute({ guessLimited: 'activation' }),
      schema: {
        operationId: 'releaseLease',
        tags,
        security: open,
        summary: 'Give a floating seat back',
        description:
          'Gives a floating seat back before its lease runs out, so that another device may take it. The fingerprint must be the one that checked it out.',
        params: IdParams,
        body: Strict({ fingerprint: Fingerprint }),
        response: { 200: LeaseSchema, ...problemResponses },
      },
    },
    async (request) => releaseLeaseBy(ctx, request.actor, request.params.id, request.body.fingerprint),
  );
}
