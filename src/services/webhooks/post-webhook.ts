import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signedHeaders } from '../../domain/webhooks.ts';
import { safeLookup } from './safe-target.ts';

const ANSWER_BYTES = 1024;

/** Connections are kept open between deliveries to one receiver: a TLS handshake per event would cost more than the event. */
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/** One signed POST to make: everything it needs, so that it can be made on another thread. */
export interface SignedPost {
  url: string;
  /** The secrets that sign it (two during a rotation). */
  secrets: string[];
  /** The delivery's id (`webhook-id`). */
  messageId: string;
  /** Seconds since the epoch (`webhook-timestamp`). */
  timestamp: number;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface Answer {
  statusCode: number;
  /** At least the first 1 KB of the answer's body (the rest is discarded unread). */
  body: string;
}

/** Signs and sends one delivery (Standard Webhooks headers). */
export function sendSigned(post: SignedPost, signal?: AbortSignal): Promise<Answer> {
  const headers = signedHeaders(post.secrets, post.messageId, post.timestamp, post.body);
  return postOnce(new URL(post.url), headers, post.body, {
    timeoutMs: post.timeoutMs,
    allowPrivate: post.allowPrivate,
    signal,
  });
}

/**
 * One POST: no redirects followed (a 3xx is a failure), the answer's first 1 KB kept, the rest
 * discarded unread. The connection goes to an address `safeLookup` allowed.
 */
function postOnce(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean; signal: AbortSignal | undefined },
): Promise<Answer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveAnswer, rejectAnswer) => {
    // A timer and a listener, both removed at the end: `AbortSignal.any` with a timeout per POST
    // leaves work behind on the long-lived signal that grows with every delivery.
    const timer = setTimeout(() => request.destroy(named('TimeoutError', 'timed out')), options.timeoutMs);
    const abort = () => request.destroy(named('AbortError', 'aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
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
    if (options.signal?.aborted) abort();
    request.end(body);
  });
}

export function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
