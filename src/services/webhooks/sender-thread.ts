/**
 * The thread that signs and sends webhook deliveries (`WebhookSender` starts it): the server's
 * main thread keeps the database work, this one the HMACs, the connections and the answers, so
 * that a delivery costs the thread that serves requests a message rather than a POST.
 */
import { parentPort } from 'node:worker_threads';
import { type SignedPost, sendSigned } from './post-webhook.ts';

/** To the thread: posts to make, or posts to give up (`n` numbers a post). */
export type ToSender = { send: (SignedPost & { n: number })[] } | { abort: number[] };
/** From the thread: what became of posts, in batches. */
export type FromSender = (
  | { n: number; statusCode: number; body: string }
  | { n: number; error: { name: string; message: string } }
)[];

const port = parentPort;
if (port) {
  const controllers = new Map<number, AbortController>();
  let answers: FromSender = [];
  const answer = (one: FromSender[number]) => {
    answers.push(one);
    if (answers.length > 1) return;
    // One message for the answers of a turn, not one per answer.
    setImmediate(() => {
      const batch = answers;
      answers = [];
      port.postMessage(batch);
    });
  };
  port.on('message', (message: ToSender) => {
    if ('abort' in message) {
      for (const n of message.abort) controllers.get(n)?.abort();
      return;
    }
    for (const post of message.send) {
      const controller = new AbortController();
      controllers.set(post.n, controller);
      sendSigned(post, controller.signal)
        .then(
          (reply) => answer({ n: post.n, statusCode: reply.statusCode, body: reply.body }),
          (error: unknown) =>
            answer({
              n: post.n,
              error:
                error instanceof Error
                  ? { name: error.name, message: error.message }
                  : { name: 'Error', message: String(error) },
            }),
        )
        .finally(() => controllers.delete(post.n));
    }
  });
  port.postMessage('ready');
}
