import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got, with whether its signature verified under the secret it was given. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  event: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
  verified: boolean;
}

/** What the receiver answers to its n-th request (1-based): a status, or 'hang' (never answers). */
export type Behaviour = (n: number, request: Received) => number | 'hang' | { status: number; body: string };

/**
 * A real HTTP receiver on loopback, as a producer's ERP or a partner's shop would run one. Every
 * request is verified with the `standardwebhooks` package, against every secret it knows.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  secrets: string[] = [];
  #server: Server;
  #waiters: { test: () => boolean; resolve: () => void }[] = [];
  #hanging: ServerResponse[] = [];

  private constructor(behaviour: Behaviour) {
    this.#server = createServer((request, response) => void this.#handle(request, response, behaviour));
  }

  static async start(behaviour: Behaviour = () => 204): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(behaviour);
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  async #handle(request: IncomingMessage, response: ServerResponse, behaviour: Behaviour): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(request.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
    };
    const verified = this.secrets.some((secret) => {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch {
        return false;
      }
    });
    const received: Received = {
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
      event: JSON.parse(body),
      verified,
    };
    this.received.push(received);
    const answer = behaviour(this.received.length, received);
    if (answer === 'hang') this.#hanging.push(response);
    else if (typeof answer === 'number') response.writeHead(answer).end(answer >= 300 ? 'no thanks' : '');
    else response.writeHead(answer.status).end(answer.body);
    for (const waiter of [...this.#waiters]) {
      if (waiter.test()) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves once `test` holds of what has been received. */
  until(test: (received: Received[]) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => test(this.received);
      if (check()) resolve();
      else this.#waiters.push({ test: check, resolve });
    });
  }

  ofType(type: string): Received[] {
    return this.received.filter((r) => r.event.type === type);
  }

  async close(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
