import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { systemActor } from '../../domain/actors.ts';
import { webhookRetrySchedule } from '../../domain/backoff.ts';
import { signedHeaders } from '../../domain/webhooks.ts';
import { urlProblem } from './safe-target.ts';
import type { Db } from '../../store/database.ts';
import type { OutboxMessage } from '../../store/outbox.ts';
import { disableWebhookEndpoint, recordEndpointFailure, recordEndpointSuccess } from '../../store/webhook-endpoints.ts';
import { audit } from '../audit.ts';
import type { ServiceContext } from '../context.ts';
import type { DeliveryOutcome, OutboxHandler, SettledOutcome } from '../outbox/dispatcher.ts';
import { eventBody, endpointReader } from './event-views.ts';
import {
  ENDPOINTS_CHANGED,
  type PublishedEvent,
  WEBHOOK,
  type WebhookPayload,
  directoryOf,
  forgetWebhookEndpoints,
} from './publish.ts';
import { safeLookup } from './safe-target.ts';
import { signingSecrets } from './webhook-secrets.ts';
import { onCommit } from '../context.ts';

const ANSWER_BYTES = 1024;

/** Connections are kept open between deliveries to one receiver: a TLS handshake per event would cost more than the event. */
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

interface Answer {
  statusCode: number;
  body: string;
}

/**
 * One POST: no redirects followed (a 3xx is a failure), the answer's first 1 KB kept, the rest
 * discarded unread. The connection goes to an address `safeLookup` allowed.
 */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean; signal: AbortSignal },
): Promise<Answer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveAnswer, rejectAnswer) => {
    // A timer and a listener, both removed at the end: `AbortSignal.any` with a timeout per POST
    // leaves work behind on the long-lived signal that grows with every delivery.
    const timer = setTimeout(() => request.destroy(named('TimeoutError', 'timed out')), options.timeoutMs);
    const abort = () => request.destroy(named('AbortError', 'aborted'));
    options.signal.addEventListener('abort', abort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', abort);
    };
    const resolve = (answer: Answer) => {
      finish();
      resolveAnswer(answer);
    };
    const reject = (error: unknown) => {
      finish();
      rejectAnswer(error);
    };
    const request = send(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Licentia-Webhooks/1',
        },
        lookup: safeLookup(options.allowPrivate),
        agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= ANSWER_BYTES) return;
          chunks.push(chunk);
          kept += chunk.length;
          if (kept >= ANSWER_BYTES) {
            resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
            response.destroy();
          }
        });
        response.on('end', () =>
          resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (options.signal.aborted) abort();
    request.end(body);
  });
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    return error.message;
  }
  return String(error);
}

/** Delivers `webhook` messages: one signed POST per attempt to one endpoint. */
export function webhookHandler(ctx: ServiceContext): OutboxHandler {
  const { config } = ctx;
  const directory = directoryOf(ctx.store);
  /** When this process last recorded each endpoint's success (and none of its failures since). */
  const successes = new Map<string, number>();
  /** The producer's body of an event, read once for its deliveries claimed together. */
  const bodies = new Map<string, Promise<string | undefined>>();
  const producerBody = (event: PublishedEvent): Promise<string | undefined> => {
    let body = bodies.get(event.eventId);
    if (!body) {
      body = eventBody(ctx, endpointReader({ id: 'producer', accountId: null }), event);
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
      const problem = urlProblem(endpoint.url, config.webhooksAllowPrivate);
      if (problem) return { result: 'failed', error: `The URL ${problem}.` };
      const payload = message.payload as WebhookPayload;
      // Written in the change's transaction: its body is read now, once for all the producer's
      // endpoints, and kept for the retries.
      const body = 'body' in payload ? payload.body : await producerBody(payload.event);
      if (body === undefined) return { result: 'skipped', reason: 'the object is gone' };
      const fixed = 'body' in payload ? {} : { payload: { body } satisfies WebhookPayload };
      const now = ctx.now();
      const secrets = await signingSecrets(ctx, endpoint, now, directory.opened);
      const headers = signedHeaders(secrets, message.id, Math.floor(now.getTime() / 1000), body);
      try {
        const answer = await post(new URL(endpoint.url), headers, body, {
          timeoutMs: config.webhookTimeoutMs,
          allowPrivate: config.webhooksAllowPrivate,
          signal,
        });
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
