import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { sendProblem } from './problem.ts';

const draining = new WeakSet<FastifyInstance>();

/** Whether `app.close()` has been called on this server: it takes no new work. */
export function isDraining(app: FastifyInstance): boolean {
  return draining.has(app);
}

/**
 * Once `app.close()` is called (SIGTERM), requests still arriving on kept-alive connections are
 * turned away with a problem and `Connection: close`, so that clients send them, and their next
 * ones, elsewhere; connections that fall idle are closed at once, as those idle at the start were
 * (by Fastify). The first hook of all, so that a draining server does no work for them.
 */
export function registerDraining(app: FastifyInstance): void {
  app.addHook('preClose', async () => {
    draining.add(app);
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!draining.has(app)) return;
    reply.header('connection', 'close');
    return sendProblem(
      reply,
      new AppError('UNAVAILABLE', 'This server is shutting down; send the request again.', {
        extensions: { reason: 'shutting-down' },
      }),
    );
  });
  app.addHook('onResponse', async () => {
    if (draining.has(app)) setImmediate(() => app.server.closeIdleConnections());
  });
}
