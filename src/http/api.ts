import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from '../interface/app.ts';
import { contentSecurityPolicy } from '../interface/content-security-policy.ts';
import { finishDocument } from './openapi-document.ts';
import type { ServiceContext } from '../services/context.ts';
import { accountRoutes } from './routes/accounts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { entitlementRoutes } from './routes/entitlements.ts';
import { eventRoutes } from './routes/events.ts';
import { lineItemRoutes } from './routes/line-items.ts';
import { publicDocumentRoutes } from './routes/public-documents.ts';
import { healthRoutes } from './routes/health.ts';
import { webRegisterKeyRoutes } from './routes/web-register-keys.ts';
import { activationRoutes } from './routes/activations.ts';
import { deviceRoutes } from './routes/devices.ts';
import { leaseRoutes } from './routes/leases.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { reportRoutes } from './routes/reports.ts';
import { licenseRoutes } from './routes/licenses.ts';
import { userRoutes } from './routes/users.ts';
import { messageRoutes } from './routes/messages.ts';
import { webhookRoutes } from './routes/webhooks.ts';

const docsAsset = (name: string): string => readFileSync(join(import.meta.dirname, 'docs', name), 'utf8');

/** The REST API: its OpenAPI document and docs, the /api/v1 routes and the public documents. */
export async function registerApi(app: App, ctx: ServiceContext): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Licentia API',
        version: '1',
        description:
          'Entitlements, activation codes, web register keys, signed licences and partner billing. ' +
          'Authenticate with `Authorization: Bearer <API key>`; activation, validation and leases are open to devices.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Licentia API key' } },
      },
      security: [{ apiKey: [] }],
    },
    transformObject: (document) =>
      finishDocument(('openapiObject' in document ? document.openapiObject : {}) as Record<string, unknown>),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    theme: {
      title: 'Licentia API reference',
      js: [{ filename: 'back-to-portal.js', content: docsAsset('back-to-portal.js') }],
      css: [{ filename: 'docs.css', content: docsAsset('docs.css') }],
      favicon: [
        {
          filename: 'favicon.svg',
          rel: 'icon',
          sizes: 'any',
          type: 'image/svg+xml',
          content: Buffer.from(docsAsset('favicon.svg')),
        },
      ],
    },
    // The reference is served by this server alone, under the portal's policy.
    uiHooks: {
      onRequest: (_request, reply, done) => {
        reply.header('content-security-policy', contentSecurityPolicy);
        done();
      },
    },
  });

  await app.register(
    async (api) => {
      const typed = api as App;
      await apiKeyRoutes(typed, ctx);
      await catalogRoutes(typed, ctx);
      await accountRoutes(typed, ctx);
      await userRoutes(typed, ctx);
      await entitlementRoutes(typed, ctx);
      await lineItemRoutes(typed, ctx);
      await webRegisterKeyRoutes(typed, ctx);
      await activationRoutes(typed, ctx);
      await licenseRoutes(typed, ctx);
      await leaseRoutes(typed, ctx);
      await deviceRoutes(typed, ctx);
      await lifecycleRoutes(typed, ctx);
      await reportRoutes(typed, ctx);
      await eventRoutes(typed, ctx);
      await messageRoutes(typed, ctx);
      await webhookRoutes(typed, ctx);
    },
    { prefix: '/api/v1' },
  );
  await publicDocumentRoutes(app, ctx);
  await healthRoutes(app, ctx);
}
