import type { Worker } from 'node:worker_threads';
import { webhooksInUse } from '../../store/webhook-endpoints.ts';
import { eventsBehind } from '../../store/event-cursors.ts';
import type { OutboxBacklog, OutboxMessage } from '../../store/outbox.ts';
import type { ServiceContext } from '../context.ts';
import type { Delegate } from '../outbox/dispatcher.ts';
import { startTypeScriptThread } from '../threads.ts';
import { CURSOR } from './event-tail.ts';
import { WEBHOOK, WEBHOOK_EVENT, tailsAuditLog, watchWebhookEndpoints } from './publish.ts';
import { type WebhookDelivery, runWebhookDelivery } from './webhook-delivery.ts';
import type { FromWebhookThread, ToWebhookThread, WebhookThreadData } from './webhook-thread.ts';

type Log = (message: string, error: unknown) => void;

/** The metrics' name for the audit log's events not yet read for webhooks (SQLite). */
const WEBHOOK_LOG = 'webhook-log';

/** How long a stopping thread may take to finish its attempts and record them before it is ended. */
const STOP_WAIT_MS = 15_000;
/** A thread that ended unasked is started again after this long (not in a tight loop). */
const RESTART_AFTER_MS = 1000;

/**
 * Runs webhook delivery on a thread of its own (`webhook-thread.ts`), so that the thread that
 * serves requests spends nothing on it (bench:webhooks). The thread is started when there is
 * something to deliver: at start if an endpoint exists, else when one is made. If it cannot start
 * at all, delivery runs on the calling thread instead.
 */
class WebhookWorker implements Delegate {
  readonly kinds = [WEBHOOK, WEBHOOK_EVENT];
  readonly #ctx: ServiceContext;
  readonly #log: Log;
  #worker: Worker | undefined;
  /** The id the thread's dispatcher claims as, once it is up. */
  #claimsAs: string | undefined;
  #inProcess: WebhookDelivery | undefined;
  #stopped = false;
  #stopping: Promise<void> | undefined;

  constructor(ctx: ServiceContext, log: Log) {
    this.#ctx = ctx;
    this.#log = log;
  }

  start(): void {
    if (this.#worker || this.#inProcess || this.#stopped) return;
    const data: WebhookThreadData = { config: this.#ctx.config, writerTurns: this.#ctx.store.writerTurns?.buffer };
    const worker = startTypeScriptThread(new URL('./webhook-thread.ts', import.meta.url), data);
    let ready = false;
    worker.on('message', (message: FromWebhookThread) => {
      if (message === 'stopped') return;
      if ('ready' in message) {
        ready = true;
        this.#claimsAs = message.ready;
      } else this.#log(message.log, message.error && Object.assign(new Error(message.error.message), message.error));
    });
    worker.on('error', (error) => {
      if (ready || this.#stopped) {
        this.#log('the webhook thread failed', error);
        return;
      }
      // Cannot start here (an unusual runtime): deliver from the calling thread.
      this.#log('the webhook thread could not start; webhooks are delivered by the main thread', error);
      this.#worker = undefined;
      this.#inProcess = runWebhookDelivery(this.#ctx, this.#log);
    });
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#claimsAs = undefined;
      if (!this.#stopped && ready) setTimeout(() => this.start(), RESTART_AFTER_MS).unref();
    });
    // After the listeners, which would otherwise keep the process alive: the thread must not.
    worker.unref();
    this.#worker = worker;
  }

  #post(message: ToWebhookThread): void {
    this.#worker?.postMessage(message);
  }

  /** Deliveries written here are claimed for the thread's dispatcher once it is up (else it claims them itself). */
  claimAtInsert(): { by: string; until: string } | undefined {
    if (!this.#claimsAs || this.#stopped) return undefined;
    return { by: this.#claimsAs, until: new Date(Date.now() + this.#ctx.config.outboxLeaseMs).toISOString() };
  }

  handOver(messages: readonly OutboxMessage[], until: string): void {
    if (this.#inProcess) return;
    this.#post({ handOver: [...messages], until });
  }

  /**
   * On SQLite, the audit log's events this process has not read for webhooks yet (kind
   * `webhook-log`): nothing while no endpoint exists (the thread does not run and has nothing to
   * read for); up to a few seconds' worth when all is well (the cursor is written every 5 s when
   * nothing is delivered); growing when the thread is stuck.
   */
  async backlog(): Promise<OutboxBacklog[]> {
    const { store } = this.#ctx;
    if (!tailsAuditLog(store)) return [];
    if (!this.#worker && !this.#inProcess) return [{ kind: WEBHOOK_LOG, depth: 0, oldestCreatedAt: null }];
    const behind = await eventsBehind(store.db, CURSOR);
    return [{ kind: WEBHOOK_LOG, depth: behind.depth, oldestCreatedAt: behind.oldestAt }];
  }

  wake(): void {
    this.start();
    if (this.#inProcess) this.#inProcess.wake();
    else this.#post('wake');
  }

  endpointsChanged(): void {
    this.start();
    this.#post('endpoints');
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#claimsAs = undefined;
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    await this.#inProcess?.stop();
    const worker = this.#worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(resolve, STOP_WAIT_MS);
      const finish = () => {
        clearTimeout(done);
        resolve();
      };
      worker.on('message', (message: FromWebhookThread) => {
        if (message === 'stopped') finish();
      });
      worker.once('exit', finish);
      worker.postMessage('stop' satisfies ToWebhookThread);
    });
    this.#worker = undefined;
    await worker.terminate();
  }
}

/**
 * Starts webhook delivery for the server of `ctx`: on a thread of its own with its own connection,
 * or on this thread where no second connection can see the database (SQLite in memory).
 * `ctx.outbox` delivers everything else (mail) here and wakes the thread when it should look.
 */
export async function startWebhookDelivery(ctx: ServiceContext, log: Log): Promise<WebhookDelivery> {
  if (ctx.store.sqlite?.memory) return runWebhookDelivery(ctx, log);
  const worker = new WebhookWorker(ctx, log);
  ctx.outbox.delegate(worker);
  watchWebhookEndpoints(ctx.store, () => worker.endpointsChanged());
  if (await webhooksInUse(ctx.store.db, worker.kinds)) worker.start();
  return { wake: () => worker.wake(), stop: () => worker.stop() };
}
