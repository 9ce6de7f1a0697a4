import { systemActor } from '../../domain/actors.ts';
import { webhookRetrySchedule } from '../../domain/backoff.ts';
import { urlProblem } from './safe-target.ts';
import type { Db } from '../../store/database.ts';
import type { OutboxMessage } from '../../store/outbox.ts';
import { disableWebhookEndpoint, recordEndpointFailure, recordEndpointSuccess } from '../../store/webhook-endpoints.ts';
import { audit } from '../audit.ts';
import type { ServiceContext } from '../context.ts';
import type { DeliveryOutcome, OutboxHandler, SettledOutcome } from '../outbox/dispatcher.ts';
import { carriesView, endpointReader, eventBodies } from './event-views.ts';
import {
  ENDPOINTS_CHANGED,
  type PublishedEvent,
  WEBHOOK,
  type WebhookPayload,
  directoryOf,
  eventOfPayload,
  forgetWebhookEndpoints,
} from './publish.ts';
import { webhookSender } from './webhook-sender.ts';
import { signingSecrets } from './webhook-secrets.ts';
import { onCommit } from '../context.ts';

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    return error.message;
  }
  return String(error);
}

/** How long a producer body waits for others to be read with it: a few ms of lag for one query instead of many. */
const BODY_BATCH_MS = 5;
const BODY_BATCH_MAX = 500;

/** Delivers `webhook` messages: one signed POST per attempt to one endpoint. */
export function webhookHandler(ctx: ServiceContext): OutboxHandler {
  const { config } = ctx;
  const directory = directoryOf(ctx.store);
  /** When this process last recorded each endpoint's success (and none of its failures since). */
  const successes = new Map<string, number>();
  /** An endpoint's URL is checked once per process (and again on the sender thread, on the address connected to). */
  const urlChecks = new Map<string, string | undefined>();
  const checkedUrl = (url: string): string | undefined => {
    if (!urlChecks.has(url)) {
      if (urlChecks.size >= 10_000) urlChecks.clear();
      urlChecks.set(url, urlProblem(url, config.webhooksAllowPrivate));
    }
    return urlChecks.get(url);
  };
  const producer = endpointReader({ id: 'producer', accountId: null });
  /** Events whose producer body is wanted within a few milliseconds: read together (one query for a burst of activations). */
  let wanted: { event: PublishedEvent; resolve(body: string | undefined): void; reject(error: unknown): void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const readWanted = () => {
    const batch = wanted;
    wanted = [];
    eventBodies(
      ctx,
      producer,
      batch.map((w) => w.event),
    ).then(
      (read) => {
        for (const [index, w] of batch.entries()) w.resolve(read[index]);
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  };
  /** The producer's body of an event, read once for all the producer's endpoints. */
  const bodies = new Map<string, Promise<string | undefined>>();
  const producerBody = (event: PublishedEvent): Promise<string | undefined> => {
    let body = bodies.get(event.eventId);
    if (!body) {
      body = new Promise((resolve, reject) => {
        wanted.push({ event, resolve, reject });
        if (wanted.length === 1) timer = setTimeout(readWanted, BODY_BATCH_MS);
        else if (wanted.length >= BODY_BATCH_MAX) {
          clearTimeout(timer);
          readWanted();
        }
      });
      bodies.set(event.eventId, body);
      body.catch(() => bodies.delete(event.eventId));
      if (bodies.size > 1000) bodies.delete(bodies.keys().next().value as string);
    }
    return body;
  };
  return {
    kind: WEBHOOK,
    schedule: config.webhookRetrySchedule ?? webhookRetrySchedule,

    async deliver(message: OutboxMessage, signal: AbortSignal): Promise<DeliveryOutcome> {
      const endpoint = message.target ? await directory.find(ctx.store.db, message.target) : undefined;
      if (!endpoint) return { result: 'skipped', reason: 'the endpoint was deleted' };
      if (!endpoint.enabled && message.topic !== 'ping')
        return { result: 'skipped', reason: `the endpoint is disabled: ${endpoint.disabledReason ?? ''}` };
      const problem = checkedUrl(endpoint.url);
      if (problem) return { result: 'failed', error: `The URL ${problem}.` };
      const payload = message.payload as WebhookPayload;
      // Written in the change's transaction: its body is read now, once for all the producer's
      // endpoints, and kept for the retries, unless the event itself is the body (`carriesView`).
      const event = 'body' in payload ? undefined : await eventOfPayload(ctx.store.db, payload);
      const body = 'body' in payload ? payload.body : event && (await producerBody(event));
      if (body === undefined) return { result: 'skipped', reason: 'the object is gone' };
      const fixed = !event || carriesView(producer, event) ? {} : { payload: { body } satisfies WebhookPayload };
      const now = ctx.now();
      const secrets = await signingSecrets(ctx, endpoint, now, directory.opened);
      try {
        // Signed and sent on the sender thread; the safe-target check is made there, on the address connected to.
        const answer = await webhookSender.send(
          {
            url: endpoint.url,
            secrets,
            messageId: message.id,
            timestamp: Math.floor(now.getTime() / 1000),
            body,
            timeoutMs: config.webhookTimeoutMs,
            allowPrivate: config.webhooksAllowPrivate,
          },
          signal,
        );
        const outcome = { statusCode: answer.statusCode, response: answer.body, ...fixed };
        if (answer.statusCode >= 200 && answer.statusCode < 300) return { result: 'delivered', ...outcome };
        if (answer.statusCode === 410) return { result: 'failed', error: '410 Gone', ...outcome };
        return { result: 'retry', error: `answered ${answer.statusCode}`, ...outcome };
      } catch (error) {
        return { result: 'retry', error: reasonOf(error), ...fixed };
      }
    },

    /** The endpoint's health, in the transaction that records the attempt. */
    async settled(tx: Db, message: OutboxMessage, settled: SettledOutcome, at: string): Promise<void> {
      const endpointId = message.target;
      if (!endpointId || settled.outcome.result === 'skipped') return;
      if (settled.outcome.result === 'delivered') {
        // The endpoint's row moves at most once a minute for a healthy endpoint: no statement per delivery either.
        const recorded = successes.get(endpointId);
        if (recorded !== undefined && Date.parse(at) - recorded < 60_000) return;
        await recordEndpointSuccess(tx, endpointId, at);
        successes.set(endpointId, Date.parse(at));
        return;
      }
      successes.delete(endpointId);
      const failingSince = await recordEndpointFailure(tx, endpointId, at);
      let reason: string | undefined;
      if (settled.outcome.statusCode === 410) reason = 'The endpoint answered 410 Gone.';
      else if (failingSince && Date.parse(at) - Date.parse(failingSince) >= config.webhookDisableAfterMs)
        reason = `No delivery succeeded since ${failingSince}.`;
      if (reason && (await disableWebhookEndpoint(tx, endpointId, reason, at))) {
        await ctx.store.announceChange(tx, ENDPOINTS_CHANGED);
        onCommit(tx, () => forgetWebhookEndpoints(ctx.store));
        await audit(tx, systemActor, at, {
          action: 'webhook-endpoint.disabled',
          subjectType: 'webhook-endpoint',
          subjectId: endpointId,
          after: { enabled: false, disabledReason: reason },
        });
      }
    },
  };
}
