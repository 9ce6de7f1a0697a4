import type { Worker } from 'node:worker_threads';
import { startTypeScriptThread } from '../threads.ts';
import { type Answer, type SignedPost, named, sendSigned } from './post-webhook.ts';
import type { FromSender, ToSender } from './sender-thread.ts';

interface Waiting {
  post: SignedPost;
  resolve(answer: Answer): void;
  reject(error: Error): void;
  signal: AbortSignal;
  onAbort(): void;
}

/**
 * Sends signed webhook posts on a thread of their own (`sender-thread.ts`), the second core's
 * work: the main thread hands over what to post and gets the answers back, both in batches (one
 * message per event-loop turn each way). One thread per process, started at the first post; if
 * it cannot start, posts are made on the calling thread as before.
 */
class WebhookSender {
  #worker: Worker | undefined;
  #inThread = false;
  #next = 0;
  readonly #waiting = new Map<number, Waiting>();
  #outgoing: (SignedPost & { n: number })[] = [];
  #aborts: number[] = [];
  #flushing = false;

  /** Posts from the calling thread from now on: it is a delivery thread of its own (`webhook-thread.ts`). */
  sendHere(): void {
    this.#inThread = true;
  }

  send(post: SignedPost, signal: AbortSignal): Promise<Answer> {
    if (this.#inThread) return sendSigned(post, signal);
    if (signal.aborted) return Promise.reject(named('AbortError', 'aborted'));
    this.#next += 1;
    const n = this.#next;
    return new Promise<Answer>((resolve, reject) => {
      const onAbort = () => {
        if (!this.#waiting.delete(n)) return;
        this.#aborts.push(n);
        this.#flushSoon();
        reject(named('AbortError', 'aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(n, { post, resolve, reject, signal, onAbort });
      this.#outgoing.push({ ...post, n });
      this.#flushSoon();
    });
  }

  #flushSoon(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => {
      this.#flushing = false;
      const worker = this.#thread();
      if (this.#aborts.length > 0) worker?.postMessage({ abort: this.#aborts } satisfies ToSender);
      if (this.#outgoing.length > 0) worker?.postMessage({ send: this.#outgoing } satisfies ToSender);
      this.#aborts = [];
      this.#outgoing = [];
    });
  }

  #answer(answers: FromSender): void {
    for (const one of answers) {
      const waiting = this.#waiting.get(one.n);
      if (!waiting) continue;
      this.#waiting.delete(one.n);
      waiting.signal.removeEventListener('abort', waiting.onAbort);
      if ('error' in one) waiting.reject(named(one.error.name, one.error.message));
      else waiting.resolve({ statusCode: one.statusCode, body: one.body });
    }
  }

  /** Fails every post waiting for a thread that stopped: they are attempted again, as after any failure. */
  #lost(error: Error): void {
    for (const [n, waiting] of this.#waiting) {
      this.#waiting.delete(n);
      waiting.signal.removeEventListener('abort', waiting.onAbort);
      waiting.reject(error);
    }
  }

  #thread(): Worker | undefined {
    if (this.#worker) return this.#worker;
    let online = false;
    const worker = startTypeScriptThread(new URL('./sender-thread.ts', import.meta.url));
    worker.on('message', (answers: FromSender | 'ready') => {
      if (answers === 'ready') online = true;
      else this.#answer(answers);
    });
    worker.on('error', (error) => {
      if (!online) {
        // Cannot start here (an unusual runtime): the posts go out from the calling thread.
        this.#inThread = true;
        for (const [n, waiting] of this.#waiting) {
          this.#waiting.delete(n);
          waiting.signal.removeEventListener('abort', waiting.onAbort);
          sendSigned(waiting.post, waiting.signal).then(waiting.resolve, waiting.reject);
        }
        return;
      }
      this.#lost(error);
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#lost(new Error('the webhook sender thread stopped'));
    });
    // After the listeners, which would otherwise keep the process alive: the thread must not.
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}

export const webhookSender = new WebhookSender();
