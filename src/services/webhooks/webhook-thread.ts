/**
 * The thread that delivers webhooks (`WebhookWorker` starts it): its own connection to the
 * database, its own dispatcher with the webhook handlers and, on SQLite, the audit log's reader.
 * The thread that serves requests writes the audit event of a change and nothing more.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../config.ts';
import { openStore } from '../../store/database.ts';
import type { OutboxMessage } from '../../store/outbox.ts';
import { createServiceContext } from '../context.ts';
import { ENDPOINTS_CHANGED, forgetWebhookEndpoints } from './publish.ts';
import { runWebhookDelivery } from './webhook-delivery.ts';
import { webhookSender } from './webhook-sender.ts';

export interface WebhookThreadData {
  config: Config;
  /** SQLite: the serving thread's turns at the write lock (`Store.writerTurns`). */
  writerTurns: SharedArrayBuffer | undefined;
}
/**
 * `endpoints`: they changed (forget what is known of them); `stop`: stop and close, then answer
 * `stopped`; `handOver`: deliveries written claimed for this thread's dispatcher, committed.
 */
export type ToWebhookThread = 'wake' | 'endpoints' | 'stop' | { handOver: OutboxMessage[]; until: string };
/** `ready`: the id its dispatcher claims deliveries as. */
export type FromWebhookThread =
  | { ready: string }
  | 'stopped'
  | { log: string; error: { name: string; message: string; stack?: string | undefined } | undefined };

/** Connections of the thread's own pool (PostgreSQL): claims, outcomes and bodies, one at a time mostly. */
const POOL_SIZE = 4;

async function run(port: MessagePort, { config, writerTurns }: WebhookThreadData): Promise<void> {
  const log = (message: string, error: unknown) =>
    port.postMessage({
      log: message,
      error:
        error instanceof Error
          ? { name: error.name, message: error.message, stack: error.stack }
          : error === undefined
            ? undefined
            : { name: 'Error', message: String(error) },
    } satisfies FromWebhookThread);
  const store = openStore({
    url: config.databaseUrl,
    poolSize: POOL_SIZE,
    log,
    ...(writerTurns && { helperOf: writerTurns }),
  });
  // Limits are the serving thread's business; this thread counts nothing.
  const ctx = createServiceContext(store, { ...config, limitCounters: 'memory', redisUrl: undefined }, undefined, log);
  await store.onAnnouncedChange((payload) => {
    if (payload === ENDPOINTS_CHANGED || payload === '*') forgetWebhookEndpoints(store);
  });
  webhookSender.sendHere();
  const delivery = runWebhookDelivery(ctx, log);
  ctx.outbox.start();
  let stopping = false;
  port.on('message', (message: ToWebhookThread) => {
    if (typeof message === 'object') ctx.outbox.handOver(message.handOver, message.until);
    else if (message === 'wake') delivery.wake();
    else if (message === 'endpoints') forgetWebhookEndpoints(store);
    else if (message === 'stop' && !stopping) {
      stopping = true;
      (async () => {
        await delivery.stop();
        await ctx.outbox.stop();
        ctx.mail.close();
        await store.close();
      })()
        .catch((error) => log('stopping the webhook thread failed', error))
        .finally(() => {
          port.postMessage('stopped' satisfies FromWebhookThread);
          port.close();
        });
    }
  });
  port.postMessage({ ready: ctx.outbox.id } satisfies FromWebhookThread);
}

if (parentPort) await run(parentPort, workerData as WebhookThreadData);
