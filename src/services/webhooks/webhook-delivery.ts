import type { ServiceContext } from '../context.ts';
import { EventTail } from './event-tail.ts';
import { registerWebhookHandlers } from './fan-out.ts';
import { tailsAuditLog } from './publish.ts';

export interface WebhookDelivery {
  /** Looks for new events and due deliveries now. */
  wake(): void;
  /** Stops reading the audit log (the dispatcher is stopped by its owner). */
  stop(): Promise<void>;
}

/**
 * Webhook delivery on the thread of `ctx`: the handlers on its dispatcher and, where the audit log
 * is the outbox (SQLite), the log's reader. The server runs it on a thread of its own
 * (`webhook-worker.ts`), or on its main thread where a second connection cannot see the same
 * database (SQLite in memory).
 */
export function runWebhookDelivery(
  ctx: ServiceContext,
  log: (message: string, error: unknown) => void,
): WebhookDelivery {
  registerWebhookHandlers(ctx);
  const tail = tailsAuditLog(ctx.store) ? new EventTail(ctx, log) : undefined;
  tail?.start();
  return {
    wake: () => {
      ctx.outbox.wake();
      tail?.wake();
    },
    stop: async () => {
      await tail?.stop();
    },
  };
}
