import type { ServiceContext } from '../../services/context.ts';
import type { App } from '../app.ts';

/** Documents anyone may read without a key. */
export async function publicDocumentRoutes(app: App, _ctx: ServiceContext): Promise<void> {
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));
}
