import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  parsed: ParsedMail;
}

/** What the server answers to a message: accept it (undefined), or an SMTP reply code. */
export type Verdict = undefined | { code: number; message: string };

/**
 * A real SMTP server on loopback, for tests: it receives what Licentia sends and can refuse it,
 * temporarily (4xx) or for good (5xx), as `verdict` decides.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Every DATA the server was offered, accepted or not. */
  attempts = 0;
  verdict: (attempt: number, to: string[]) => Verdict = () => undefined;
  /** Messages offered while this answers true get no answer at all, as from a server that hangs. */
  hold: (attempt: number) => boolean = () => false;
  readonly #held: (() => void)[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  #server: SMTPServer;

  private constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        this.attempts += 1;
        const verdict = this.verdict(this.attempts, to);
        if (this.hold(this.attempts)) {
          stream.resume();
          this.#held.push(() => callback(new Error('closing')));
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            if (verdict) {
              const error = Object.assign(new Error(verdict.message), { responseCode: verdict.code });
              callback(error);
              this.#notify();
              return;
            }
            this.received.push({ to, parsed });
            callback();
            this.#notify();
          })
          .catch(callback);
      },
    });
  }

  static async start(): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer();
    // A client that dies mid-message (the crash test kills it) resets its connection: not a failure here.
    smtp.#server.on('error', () => undefined);
    smtp.#server.listen(0, '127.0.0.1');
    await once(smtp.#server.server, 'listening');
    return smtp;
  }

  get url(): string {
    const { port } = this.#server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
  }

  /** Resolves once `count` messages have been received (accepted) in all. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    if (this.received.length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${this.received.length} of ${count} messages after ${timeoutMs} ms`)),
          timeoutMs,
        );
        this.#waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.received.slice(0, count);
  }

  /** Resolves once the server has been offered `count` messages, accepted or refused. */
  async waitForAttempts(count: number, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    while (this.attempts < count) {
      if (Date.now() - started > timeoutMs) throw new Error(`${this.attempts} of ${count} attempts`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.received.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  close(): Promise<void> {
    for (const release of this.#held.splice(0)) release();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
