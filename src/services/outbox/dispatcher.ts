/**
 * # The outbox dispatcher
 *
 * Everything Licentia sends out of the process (webhooks, mail) goes through one transactional
 * outbox. A use case writes the message in its own transaction with `enqueue()`
 * (`./enqueue.ts`), so a rolled-back change sends nothing and a committed one is never lost, even
 * if the process dies a moment later. The dispatcher then delivers it, at least once.
 *
 * ## Adding a kind of delivery
 * 1. Pick a kind name (`'mail'`) and write a handler:
 *    ```ts
 *    const mailHandler: OutboxHandler = {
 *      kind: 'mail',
 *      schedule: [60_000, 300_000, 1_800_000],      // waits between attempts; then it has failed
 *      async deliver(message, signal) {             // message.payload is what you enqueued
 *        await send(message.payload, { signal });   // throw, or answer { result: 'retry', … }, to try again
 *        return { result: 'delivered' };
 *      },
 *      async settled(tx, message, outcome, at) {},  // optional: your own rows, same transaction as the outcome
 *    };
 *    ```
 * 2. Register it where the server starts (`src/server.ts`): `ctx.outbox.register(mailHandler)`.
 * 3. In the use case, inside its transaction: `await enqueue(tx, { kind: 'mail', topic: 'licence', target: to, payload, at })`.
 *
 * A handler answers `delivered` (with `followUps`: messages to enqueue atomically with that outcome),
 * `retry` (the dispatcher waits by the handler's schedule, with
 * jitter, then tries again, and fails the message once the schedule is used up), `failed` (no
 * more attempts) or `skipped` (nothing to send). Every attempt is logged in `outbox_attempts`
 * with its time, duration, status code, error and the first 1 KB of the answer; the dispatcher
 * measures the duration and records the outcome, the handler only reports it.
 *
 * ## Reading the log, sending again
 * `listOutboxMessages(db, { kind, target?, status?, topic? }, page)`, `findOutboxMessage` and `listAttempts`
 * in `src/store/outbox.ts` read what was sent (the webhook delivery log is built on them:
 * `src/services/webhooks/webhook-deliveries.ts`); `makeDueNow` sends a message again at once. Rows
 * and attempts are kept 30 days.
 *
 * ## Several processes
 * Each process runs a dispatcher. A dispatcher claims due messages with a lease
 * (`claimDue` in `src/store/outbox.ts`: `FOR UPDATE SKIP LOCKED` on PostgreSQL), so one message is
 * attempted by one process at a time; the lease outlives any attempt (a handler must honour the
 * abort signal), and a message whose process died is claimed again once its lease has run out.
 * Outcomes are recorded only by the holder of the claim. A process wakes its dispatcher when one of
 * its own transactions enqueues; others notice on their next poll.
 *
 * ## Metrics
 * `backlog()` (waiting messages and the oldest one's age, by kind) feeds `licentia_outbox_depth`
 * and `licentia_outbox_oldest_age_seconds`; it is read when scraped (`outboxBacklog` in the store).
 */
import { hostname } from 'node:os';
import type { Config } from '../../config.ts';
import { type RetrySchedule, retryDelay } from '../../domain/backoff.ts';
import type { Db, Store } from '../../store/database.ts';
import { runTransaction } from '../transaction-scope.ts';
import {
  type AttemptRecord,
  type NewOutboxMessage,
  type OutboxMessage,
  type OutboxStatus,
  claimDue,
  insertOutboxRows,
  logAttempts,
  outboxBacklog,
  pruneOutbox,
  settleAll,
} from '../../store/outbox.ts';
import { randomBytes } from 'node:crypto';

/** `payload`, when given, replaces the message's payload from now on (e.g. a body fixed at the first attempt). */
export type DeliveryOutcome =
  | {
      result: 'delivered';
      statusCode?: number | null;
      response?: string | null;
      /** Messages to enqueue in the same transaction that records this one as delivered (a fan-out). */
      followUps?: NewOutboxMessage[];
      payload?: unknown;
    }
  | { result: 'retry'; statusCode?: number | null; error?: string | null; response?: string | null; payload?: unknown }
  | { result: 'failed'; statusCode?: number | null; error?: string | null; response?: string | null; payload?: unknown }
  | { result: 'skipped'; reason: string };

export interface OutboxHandler {
  readonly kind: string;
  /** Waits before the 2nd, 3rd, … attempt; once used up, the message has failed. */
  readonly schedule: RetrySchedule;
  /**
   * Sends one message. `signal` aborts when the lease is about to run out or the server stops.
   * A thrown error counts as `retry` with its message as the error.
   */
  deliver(message: OutboxMessage, signal: AbortSignal): Promise<DeliveryOutcome>;
  /**
   * Called in the transaction that records the outcome (only if this process still held the
   * claim): the handler's own bookkeeping, e.g. an endpoint's health. `final` is true when no
   * further attempt will be made.
   */
  settled?(tx: Db, message: OutboxMessage, outcome: SettledOutcome, at: string): Promise<void>;
}

interface Attempted {
  handler: OutboxHandler;
  message: OutboxMessage;
  outcome: DeliveryOutcome;
  status: OutboxStatus;
  nextAttemptAt: string | null;
  attempts: number;
  at: string;
  attempt: AttemptRecord | undefined;
}

export interface SettledOutcome {
  status: OutboxStatus;
  outcome: DeliveryOutcome;
  attempts: number;
  final: boolean;
}

/** The outbox's backlog of one kind, as the metrics show it. */
export interface KindBacklog {
  kind: string;
  depth: number;
  /** 0 when nothing waits. */
  oldestAgeSeconds: number;
}

export interface DispatcherOptions {
  pollMs: number;
  leaseMs: number;
  batchSize: number;
  /** How long attempts and finished messages are kept. */
  retentionMs: number;
  /** Whether the audit events that handlers write with an outcome are chained (`config.auditChain`). */
  auditChain: boolean;
}

export function dispatcherOptions(config: Config): DispatcherOptions {
  return {
    pollMs: config.outboxPollMs,
    leaseMs: config.outboxLeaseMs,
    batchSize: 100,
    retentionMs: 30 * 86_400_000,
    auditChain: config.auditChain,
  };
}

const RESPONSE_EXCERPT_BYTES = 1024;
const PRUNE_EVERY_MS = 3_600_000;

/** The first 1 KB of an answer, cut on a character boundary. */
export function excerpt(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= RESPONSE_EXCERPT_BYTES) return text;
  return bytes
    .subarray(0, RESPONSE_EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

const dispatchers = new WeakMap<Store, Dispatcher>();

/** Wakes the dispatcher of this process for `store`, if one runs (after an enqueue commits). */
export function wakeDispatcher(store: Store): void {
  dispatchers.get(store)?.wake();
}

export class Dispatcher {
  readonly #store: Store;
  readonly #options: DispatcherOptions;
  readonly #now: () => Date;
  readonly #handlers = new Map<string, OutboxHandler>();
  /** Who holds a claim: host, process, and a random part (a restarted process is someone else). */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #lastPrune = 0;
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(store: Store, options: DispatcherOptions, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#options = options;
    this.#now = now;
  }

  register(handler: OutboxHandler): void {
    if (this.#handlers.has(handler.kind))
      throw new Error(`an outbox handler for ${handler.kind} is registered already`);
    this.#handlers.set(handler.kind, handler);
    this.wake();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    dispatchers.set(this.#store, this);
    this.#timer = setInterval(() => this.wake(), this.#options.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /** Stops claiming; attempts under way are aborted and waited for (their claims then expire). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (dispatchers.get(this.#store) === this) dispatchers.delete(this.#store);
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#running;
    await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * What waits, by kind: every registered kind (0 when none waits, so an alert sees it clear)
   * and any other kind found waiting (its handler runs in another process, or nowhere).
   */
  async backlog(): Promise<KindBacklog[]> {
    const now = this.#now().getTime();
    const found = new Map((await outboxBacklog(this.#store.db)).map((row) => [row.kind, row]));
    const kinds = new Set([...this.#handlers.keys(), ...found.keys()]);
    return [...kinds].sort().map((kind) => {
      const row = found.get(kind);
      const oldest = row?.oldestCreatedAt ? Date.parse(row.oldestCreatedAt) : now;
      return { kind, depth: row?.depth ?? 0, oldestAgeSeconds: Math.max(0, (now - oldest) / 1000) };
    });
  }

  /** Looks for due messages now (or right after the current look). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /**
   * Claims and delivers until nothing is due. The outcomes of a batch are recorded together, in
   * one transaction: per message that would be a transaction each, as many as the changes that
   * caused them.
   */
  async #drain(): Promise<void> {
    const kinds = [...this.#handlers.keys()];
    while (!this.#stopped && kinds.length > 0) {
      const now = this.#now();
      await this.#pruneNow(now);
      const claimed = await this.#store.transaction((tx) =>
        claimDue(tx, {
          now: now.toISOString(),
          until: new Date(now.getTime() + this.#options.leaseMs).toISOString(),
          by: this.id,
          kinds,
          limit: this.#options.batchSize,
        }),
      );
      if (claimed.length === 0) return;
      // Attempts must end well before the lease does, or another process could start a second.
      const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#options.leaseMs / 2)]);
      const results = await Promise.all(claimed.map((message) => this.#track(this.#attempt(message, signal))));
      await this.#settleAll(results.filter((r): r is Attempted => r !== undefined));
      if (claimed.length < this.#options.batchSize) return;
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.then(() => undefined);
    this.#inFlight.add(tracked);
    return work.finally(() => this.#inFlight.delete(tracked));
  }

  async #attempt(message: OutboxMessage, signal: AbortSignal): Promise<Attempted | undefined> {
    const handler = this.#handlers.get(message.kind);
    if (!handler) return undefined;
    const startedAt = this.#now();
    const started = performance.now();
    let outcome: DeliveryOutcome;
    try {
      outcome = await handler.deliver(message, signal);
    } catch (error) {
      outcome = { result: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    if (this.#stopped && outcome.result === 'retry') return undefined; // aborted by stop(): the lease expires, another takes it
    const durationMs = Math.round(performance.now() - started);
    const at = this.#now().toISOString();
    const attempts = outcome.result === 'skipped' ? message.attempts : message.attempts + 1;
    let status: OutboxStatus;
    let nextAttemptAt: string | null = null;
    if (outcome.result === 'retry') {
      const wait = retryDelay(handler.schedule, attempts, Math.random());
      status = wait === undefined ? 'failed' : 'pending';
      if (wait !== undefined) nextAttemptAt = new Date(Date.parse(at) + wait).toISOString();
    } else {
      status = outcome.result;
    }
    const attempt =
      outcome.result === 'skipped'
        ? undefined
        : {
            at: startedAt.toISOString(),
            durationMs,
            statusCode: outcome.statusCode ?? null,
            error: outcome.result === 'delivered' ? null : (outcome.error ?? null),
            response: excerpt(outcome.response),
          };
    return { handler, message, outcome, status, nextAttemptAt, attempts, at, attempt };
  }

  async #settleAll(results: Attempted[]): Promise<void> {
    if (results.length === 0) return;
    let followed = false;
    // Handlers audit what an outcome changes (an endpoint disabled, a message failed).
    await runTransaction(this.#store, this.#options.auditChain, async (tx) => {
      const attempts: { outboxId: string; attempt: AttemptRecord }[] = [];
      const held = await settleAll(
        tx,
        results.map((r) => ({
          id: r.message.id,
          by: this.id,
          at: r.at,
          status: r.status,
          nextAttemptAt: r.nextAttemptAt,
          ...(r.attempt && { attempt: r.attempt }),
          ...(r.outcome.result !== 'skipped' && r.outcome.payload !== undefined && { payload: r.outcome.payload }),
        })),
      );
      for (const r of results) {
        if (!held.has(r.message.id)) continue;
        if (r.attempt) attempts.push({ outboxId: r.message.id, attempt: r.attempt });
        if (r.outcome.result === 'delivered' && r.outcome.followUps?.length) {
          await insertOutboxRows(tx, r.outcome.followUps);
          followed = true;
        }
        if (r.handler.settled)
          await r.handler.settled(
            tx,
            r.message,
            { status: r.status, outcome: r.outcome, attempts: r.attempts, final: r.status !== 'pending' },
            r.at,
          );
      }
      await logAttempts(tx, attempts);
    });
    if (followed) this.wake();
    for (const r of results) if (r.nextAttemptAt !== null) this.#wakeAt(Date.parse(r.nextAttemptAt));
  }

  /** A retry due before the next poll is looked for when it is due. */
  #wakeAt(time: number): void {
    const wait = time - this.#now().getTime();
    if (wait >= this.#options.pollMs) return;
    setTimeout(() => this.wake(), Math.max(wait, 0)).unref();
  }

  async #pruneNow(now: Date): Promise<void> {
    if (now.getTime() - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now.getTime();
    const before = new Date(now.getTime() - this.#options.retentionMs).toISOString();
    await this.#store.transaction((tx) => pruneOutbox(tx, before));
  }
}
