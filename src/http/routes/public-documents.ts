import { publishedKeys } from '../../services/activations/read-activations.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { App } from '../../interface/app.ts';

/** Documents anyone may read without a key. */
export async function publicDocumentRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async (_request, reply) => {
    // Short enough that a rotation reaches verifiers soon; old keys stay in the set anyway.
    reply.header('cache-control', 'public, max-age=300');
    return publishedKeys(ctx);
  });
}
