import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { registerApi } from './http/api.ts';
import { type App, createApp } from './interface/app.ts';
import { Metrics } from './interface/metrics.ts';
import { sweepAbandonedSpools } from './interface/spooled-upload.ts';
import { ensureAdminKey } from './services/api-keys/ensure-admin-key.ts';
import { sweepAbandonedLoads, sweepAbandonedLoadsEvery } from './services/bulk/pending-loads.ts';
import { type ServiceContext, createServiceContext } from './services/context.ts';
import { forget } from './services/validation/invalidate.ts';
import { ensureSigningKey } from './services/signing-keys/ensure-signing-key.ts';
import { registerMailHandler } from './services/mail/deliver-message.ts';
import { ENDPOINTS_CHANGED, forgetWebhookEndpoints } from './services/webhooks/publish.ts';
import { sealPlainWebhookSecrets } from './services/webhooks/webhook-secrets.ts';
import { startWebhookDelivery } from './services/webhooks/webhook-worker.ts';
import { openStore } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import { registerPortal } from './web/portal.ts';
import { checkpointEvery } from './services/events/audit-chain.ts';

export interface RunningServer {
  app: App;
  ctx: ServiceContext;
  /** Where it listens, e.g. http://127.0.0.1:8080 */
  url: string;
  /** The secret of the admin key made on this start, if one was made; print it once. */
  createdAdminKey: string | undefined;
  metrics: Metrics;
  close(): Promise<void>;
}

/** Opens the database, brings it up to date, makes sure keys exist, and listens. */
export async function startServer(config: Config, logger: Logger | false): Promise<RunningServer> {
  const store = openStore({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    log: (message, error) => {
      if (logger) logger.warn({ err: error }, message);
    },
  });
  try {
    await migrateToLatest(store);
    await store.checkpoint();
    await sweepAbandonedSpools();
    // Before listening: the keys of loads whose server died are gone before anyone asks.
    const sweptLoads = await sweepAbandonedLoads(store);
    if (sweptLoads > 0 && logger) logger.info({ loads: sweptLoads }, 'discarded key loads left by a stopped server');
    const ctx = createServiceContext(store, config, undefined, (message, error) => {
      if (logger) logger.warn({ err: error }, message);
    });
    await store.onAnnouncedChange((payload) => {
      forget(ctx, payload);
      if (payload === ENDPOINTS_CHANGED || payload === '*') forgetWebhookEndpoints(store);
    });
    await ensureSigningKey(ctx);
    await sealPlainWebhookSecrets(ctx);
    await ctx.keyRing.load();
    const stopRefreshing = ctx.keyRing.refreshEvery(60_000);
    const stopSweeping = sweepAbandonedLoadsEvery(store, 60_000, (error) =>
      logger ? logger.error({ err: error }, 'the sweep of abandoned key loads failed') : undefined,
    );
    const stopCheckpoints =
      config.auditCheckpointSeconds > 0
        ? checkpointEvery(ctx, config.auditCheckpointSeconds * 1000, (error) =>
            logger ? logger.error({ err: error }, 'the audit checkpoint failed') : undefined,
          )
        : () => undefined;
    const { createdSecret } = await ensureAdminKey(ctx, config.adminKey);
    // The API and the portal are siblings on one server: neither knows the other. The portal
    // first, so that its pages are not taken for API operations in the OpenAPI document.
    const metrics = new Metrics(store);
    metrics.observeOutbox(ctx.outbox);
    metrics.observeLimitCounters(ctx.rateCounters);
    const app = createApp(ctx, { logger, metrics });
    await registerPortal(app, ctx);
    await registerApi(app, ctx);
    registerMailHandler(ctx);
    ctx.outbox.start();
    const webhooks = await startWebhookDelivery(ctx, (message, error) => {
      if (logger) logger.warn({ err: error }, message);
    });
    await app.listen({ port: config.port, host: config.host });
    const metricsServer =
      config.metricsPort === undefined ? undefined : await metrics.listen(config.host, config.metricsPort);
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      app,
      ctx,
      url: `http://${host}:${port}`,
      createdAdminKey: createdSecret,
      metrics,
      close: async () => {
        stopRefreshing();
        stopSweeping();
        stopCheckpoints();
        metricsServer?.close();
        metricsServer?.closeAllConnections();
        // Requests in flight get the grace period to finish; then their connections are cut.
        const deadline = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceSeconds * 1000);
        deadline.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(deadline);
        }
        await ctx.rateCounters.close();
        await webhooks.stop();
        await ctx.outbox.stop();
        ctx.mail.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
