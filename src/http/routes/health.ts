import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import type { ServiceContext } from '../../services/context.ts';
import { checkReadiness } from '../../services/readiness.ts';
import type { App } from '../../interface/app.ts';
import { isDraining } from '../../interface/draining.ts';
import { sendProblem } from '../../interface/problem.ts';
import { problemResponses } from '../../interface/schemas/common.ts';

const Healthy = Type.Object({ status: Type.Literal('ok') });

/**
 * For load balancers and supervisors. `/healthz`: the process answers (restart it if not).
 * `/readyz`: send it requests (database reachable, migrations current, not shutting down).
 */
export async function healthRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'liveness',
        summary: 'Is the process alive?',
        description: 'Answers 200 while the process serves requests at all; it touches nothing else.',
        security: [],
        response: { 200: Healthy, ...problemResponses },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'readiness',
        summary: 'Should this server be sent requests?',
        description:
          'Answers 200 when this server should be sent requests: its database answers, has every migration this ' +
          'version expects, and the server is not shutting down. Otherwise 503 with a problem document whose ' +
          '`reason` is `database-unreachable`, `migrations-pending` or `shutting-down`.',
        security: [],
        response: { 200: Healthy, ...problemResponses },
      },
    },
    async (_request, reply) => {
      const readiness = await checkReadiness(ctx, isDraining(app));
      if (readiness.ready) return { status: 'ok' as const };
      return sendProblem(
        reply,
        new AppError('UNAVAILABLE', readiness.detail, { extensions: { reason: readiness.reason } }),
      );
    },
  );
}
