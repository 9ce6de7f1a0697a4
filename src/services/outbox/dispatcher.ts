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
 * Outcomes are recorded only by the holder of the claim. A message enqueued in a service transaction
 * of a process whose dispatcher delivers its kind is written already claimed by that process, and
 * handed to its dispatcher in memory once the transaction commits (`enqueueIn`): no claim query, no
 * read of the row; if the process dies first, the lease runs out and any dispatcher claims it. The
 * others (another kind, a full queue, a later first attempt) wake this process's dispatcher after
 * the commit; other processes notice them on their next poll.
 *
 * A process may deliver some kinds on a thread of its own, with a dispatcher there (webhooks:
 * `src/services/webhooks/webhook-worker.ts`). The main thread's dispatcher then `delegate`s them:
 * what its transactions write of those kinds is claimed for the other dispatcher and handed to it
 * after the commit, and the other is woken whenever this one is.
 *
 * Attempts run as soon as they are claimed, up to `concurrency` at once, and their outcomes are
 * recorded as they end, together, every few milliseconds (one transaction): a slow receiver holds
 * up neither the next claim nor the others' outcomes. A failure of the dispatcher itself (a claim,
 * a recording) goes to `options.log` (the server's logger); the dispatcher keeps running, and what
 * was not recorded is attempted again once its lease has run out.
 *
 * ## Metrics
 * `backlog()` (waiting messages and the oldest one's age, by kind) feeds `licentia_outbox_depth`
 * and `licentia_outbox_oldest_age_seconds`; it is read when scraped (`outboxBacklog` in the store,
 * and a delegate's own, e.g. the audit log events not yet read for webhooks: kind `webhook-log`).
 */
import { hostname } from 'node:os';
import type { Config } from '../../config.ts';
import { type RetrySchedule, retryDelay } from '../../domain/backoff.ts';
import { type Db, type Store, storeOf } from '../../store/database.ts';
import { SerialRun } from '../serial-run.ts';
import { commitIsKnown, onCommit, runTransaction } from '../transaction-scope.ts';
import {
  type AttemptRecord,
  type NewOutboxMessage,
  type OutboxMessage,
  type OutboxBacklog,
  type OutboxStatus,
  claimDue,
  insertOutboxMessages,
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
  startedAt: string;
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

/** Another dispatcher of this process, on a thread of its own, that delivers `kinds` (see `Dispatcher.delegate`). */
export interface Delegate {
  readonly kinds: readonly string[];
  /** As `Dispatcher.claimAtInsert`, for the delegate. */
  claimAtInsert(kind: string): { by: string; until: string } | undefined;
  /** As `Dispatcher.handOver`, to the delegate. */
  handOver(messages: readonly OutboxMessage[], until: string): void;
  wake(): void;
  /** What waits for the delegate outside the outbox (events of the audit log it has not read yet), as the metrics show it. */
  backlog?(): Promise<OutboxBacklog[]>;
}

export interface DispatcherOptions {
  pollMs: number;
  leaseMs: number;
  batchSize: number;
  /** How long attempts and finished messages are kept. */
  retentionMs: number;
  /** Whether the audit events that handlers write with an outcome are chained (`config.auditChain`). */
  auditChain: boolean;
  /** Attempts under way at once; by default 4 × `batchSize`. */
  concurrency?: number;
  /** Where the dispatcher's own failures go (the server's logger); they never stop it. */
  log?: (message: string, error: unknown) => void;
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

/** Wakes the dispatcher of this process for `store`, if one runs, and the threads it delegates to (after an enqueue commits). */
export function wakeDispatcher(store: Store): void {
  const dispatcher = dispatchers.get(store);
  dispatcher?.wake();
  dispatcher?.wakeDelegate();
}

/** The dispatcher of this process for `store`, if one runs. */
export function runningDispatcher(store: Store): Dispatcher | undefined {
  return dispatchers.get(store);
}

/**
 * Writes messages in `tx` (see `enqueue`). Those due now, of a kind this process's dispatcher
 * delivers, are written already claimed by it and handed to it once `tx` commits: no claim query
 * and no read of them again. The others wait to be claimed from the database, by any process
 * (this one is woken for them after the commit). Answers the ids written.
 */
export async function enqueueIn(tx: Db, messages: readonly NewOutboxMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const store = storeOf(tx);
  const dispatcher = commitIsKnown(tx) ? dispatchers.get(store) : undefined;
  const claims = new Map<string, { by: string; until: string } | undefined>();
  const claimOf = (message: NewOutboxMessage) => {
    if (!dispatcher || (message.notBefore !== undefined && message.notBefore > message.at)) return undefined;
    if (!claims.has(message.kind)) claims.set(message.kind, dispatcher.claimAtInsert(message.kind));
    return claims.get(message.kind);
  };
  const claimed = messages.map((message) => {
    const claim = claimOf(message);
    return claim ? { ...message, claim } : message;
  });
  const written = await insertOutboxMessages(tx, claimed);
  const handed = new Map<string, OutboxMessage[]>();
  let toClaim = false;
  for (const [index, message] of written.entries()) {
    if (!message) continue;
    const claim = claimed[index]?.claim;
    if (!claim) {
      toClaim = true;
      continue;
    }
    const list = handed.get(claim.until);
    if (list) list.push(message);
    else handed.set(claim.until, [message]);
  }
  if (handed.size > 0 || toClaim)
    onCommit(tx, () => {
      for (const [until, list] of handed) dispatcher?.handOver(list, until);
      if (toClaim) wakeDispatcher(store);
    });
  return written.flatMap((message) => (message ? [message.id] : []));
}

/**
 * Outcomes are recorded together: once this many are waiting, or this long after the first. Each
 * record is a transaction (a commit, and on PostgreSQL four round trips): at 10 ms there were
 * about 100 a second under bench:webhooks, costing activations more than the delay costs anyone.
 */
const SETTLE_BATCH = 200;
const SETTLE_EVERY_MS = 50;

/** A claimed message waiting for its attempt; `until` is when its lease runs out (ms). */
interface Job {
  message: OutboxMessage;
  until: number;
}

export class Dispatcher {
  readonly #store: Store;
  readonly #options: DispatcherOptions;
  readonly #now: () => Date;
  readonly #handlers = new Map<string, OutboxHandler>();
  /** Kinds delivered by another thread of this process. */
  #delegated: Delegate | undefined;
  /** Who holds a claim: host, process, and a random part (a restarted process is someone else). */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  #timer: NodeJS.Timeout | undefined;
  readonly #claims = new SerialRun(
    () => this.#drain(),
    (error) => this.#log('claiming due messages failed; the next poll tries again', error),
  );
  #stopped = true;
  #lastPrune = 0;
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  /** Claimed messages not attempted yet, oldest first (`#head` is the next). */
  #queue: Job[] = [];
  #head = 0;
  /** A claim skipped because the queue was full: made once it has room again. */
  #claimWanted = false;
  /** Attempts done, waiting to be recorded (`#flush`). */
  #outcomes: Attempted[] = [];
  #settling: Promise<void> | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  /** The abort signal of attempts started lately (see `#signal`). */
  #epoch: { start: number; signal: AbortSignal } | undefined;

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

  /**
   * The delegate's kinds are delivered by another dispatcher of this process, on a thread of its
   * own (`webhook-worker.ts`): messages of them written here are claimed for it and handed to it
   * after the commit, it is woken when messages of any kind were written here, and the backlog
   * lists its kinds too.
   */
  delegate(delegate: Delegate): void {
    this.#delegated = delegate;
  }

  wakeDelegate(): void {
    this.#delegated?.wake();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    dispatchers.set(this.#store, this);
    this.#timer = setInterval(() => this.wake(), this.#options.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /**
   * Stops claiming; attempts under way are aborted and waited for (their claims then expire), and
   * the outcomes already known are recorded.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (dispatchers.get(this.#store) === this) dispatchers.delete(this.#store);
    clearInterval(this.#timer);
    this.#abort.abort();
    this.#queue = [];
    this.#head = 0;
    await this.#claims.settled();
    await Promise.allSettled([...this.#inFlight]);
    while (this.#settling || this.#outcomes.length > 0) {
      this.#flush();
      await this.#settling;
    }
  }

  /**
   * What waits, by kind: every registered kind (0 when none waits, so an alert sees it clear)
   * and any other kind found waiting (its handler runs in another process, or nowhere).
   */
  async backlog(): Promise<KindBacklog[]> {
    const now = this.#now().getTime();
    const waiting = [...(await outboxBacklog(this.#store.db)), ...((await this.#delegated?.backlog?.()) ?? [])];
    const found = new Map(waiting.map((row) => [row.kind, row]));
    const kinds = new Set([...this.#handlers.keys(), ...(this.#delegated?.kinds ?? []), ...found.keys()]);
    return [...kinds].sort().map((kind) => {
      const row = found.get(kind);
      const oldest = row?.oldestCreatedAt ? Date.parse(row.oldestCreatedAt) : now;
      return { kind, depth: row?.depth ?? 0, oldestAgeSeconds: Math.max(0, (now - oldest) / 1000) };
    });
  }

  /**
   * The claim a message of `kind` due now may be written with, so that this process delivers it
   * from memory once its transaction commits (`handOver`); undefined when this dispatcher does
   * not run, has no handler for the kind, or has enough waiting already (the message is then
   * written unclaimed, and claimed from the database like any other).
   */
  claimAtInsert(kind: string): { by: string; until: string } | undefined {
    if (this.#delegated?.kinds.includes(kind)) return this.#stopped ? undefined : this.#delegated.claimAtInsert(kind);
    if (this.#stopped || !this.#handlers.has(kind) || this.#waiting() >= this.#maxWaiting()) return undefined;
    return { by: this.id, until: new Date(this.#now().getTime() + this.#options.leaseMs).toISOString() };
  }

  /** Messages written with `claimAtInsert`'s claim, after their transaction committed. */
  handOver(messages: readonly OutboxMessage[], until: string): void {
    if (this.#stopped) return;
    const untilMs = Date.parse(until);
    const delegated: OutboxMessage[] = [];
    for (const message of messages)
      if (this.#delegated?.kinds.includes(message.kind)) delegated.push(message);
      else this.#queue.push({ message, until: untilMs });
    if (delegated.length > 0) this.#delegated?.handOver(delegated, until);
    this.#pump();
  }

  /** Looks for due messages now (or right after the current look). */
  wake(): void {
    if (!this.#stopped) this.#claims.request();
  }

  #log(what: string, error: unknown): void {
    const kinds = [...this.#handlers.keys()].join(', ');
    this.#options.log?.(`outbox dispatcher ${this.id} (${kinds}): ${what}`, error);
  }

  #waiting(): number {
    return this.#queue.length - this.#head + this.#inFlight.size;
  }

  /**
   * Attempts under way at once. A delivery waits mostly on its receiver (and, for webhooks, on the
   * sender thread), so far more run at once than are claimed at once: with 100, the dispatcher
   * fell behind two endpoints at full activation speed (bench:webhooks).
   */
  #concurrency(): number {
    return this.#options.concurrency ?? this.#options.batchSize * 4;
  }

  #maxWaiting(): number {
    return this.#options.batchSize * 10;
  }

  /**
   * Claims due messages while there is room for them; attempts start as soon as they are claimed
   * (`#pump`) and are recorded in batches as they end (`#flush`), so that one slow receiver holds
   * up neither the next claim nor the others' outcomes.
   */
  async #drain(): Promise<void> {
    const kinds = [...this.#handlers.keys()];
    while (!this.#stopped && kinds.length > 0) {
      const room = Math.min(this.#options.batchSize, this.#maxWaiting() - this.#waiting());
      if (room <= 0) {
        this.#claimWanted = true;
        return;
      }
      const now = this.#now();
      await this.#pruneNow(now);
      const until = now.getTime() + this.#options.leaseMs;
      const claimed = await this.#store.transaction((tx) =>
        claimDue(tx, {
          now: now.toISOString(),
          until: new Date(until).toISOString(),
          by: this.id,
          kinds,
          limit: room,
        }),
      );
      if (this.#stopped) return;
      for (const message of claimed) this.#queue.push({ message, until });
      this.#pump();
      if (claimed.length < room) return;
    }
  }

  /** Starts waiting attempts, up to `#concurrency()` at once. */
  #pump(): void {
    while (!this.#stopped && this.#inFlight.size < this.#concurrency() && this.#head < this.#queue.length) {
      const job = this.#queue[this.#head] as Job;
      this.#queue[this.#head] = undefined as unknown as Job;
      this.#head += 1;
      const now = this.#now().getTime();
      // An attempt must end well before its lease does, or another process could start a second:
      // one that waited too long for its turn is left to run out and be claimed again.
      if (now > job.until - (this.#options.leaseMs * 3) / 4) continue;
      const attempt = this.#attempt(job.message, this.#signal(now)).then(
        (result) => {
          if (result) this.#outcomes.push(result);
        },
        (error) => this.#log(`the attempt of ${job.message.id} failed`, error),
      );
      const tracked = attempt.finally(() => {
        this.#inFlight.delete(tracked);
        this.#scheduleSettle();
        this.#pump();
      });
      this.#inFlight.add(tracked);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#claimWanted && this.#waiting() < this.#maxWaiting() / 2) {
      this.#claimWanted = false;
      this.wake();
    }
  }

  /**
   * One abort signal for the attempts started within a quarter lease: each aborts at most half a
   * lease after its start, so (started at most a quarter lease after its claim) well before its
   * lease runs out; and there is no signal per attempt tied to the long-lived stop signal.
   */
  #signal(now: number): AbortSignal {
    const { leaseMs } = this.#options;
    if (!this.#epoch || now - this.#epoch.start >= leaseMs / 4)
      this.#epoch = {
        start: now,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(leaseMs / 2)]),
      };
    return this.#epoch.signal;
  }

  #scheduleSettle(): void {
    if (this.#settling || this.#outcomes.length === 0) return;
    if (this.#outcomes.length >= SETTLE_BATCH || this.#stopped) {
      this.#flush();
      return;
    }
    if (!this.#settleTimer) this.#settleTimer = setTimeout(() => this.#flush(), SETTLE_EVERY_MS);
  }

  /** Records the outcomes waiting, in one transaction; the next batch waits for this one. */
  #flush(): void {
    clearTimeout(this.#settleTimer);
    this.#settleTimer = undefined;
    if (this.#settling || this.#outcomes.length === 0) return;
    const results = this.#outcomes;
    this.#outcomes = [];
    this.#settling = this.#settleAll(results)
      .catch((error) =>
        // Their claims run out and they are attempted again: at least once, never lost.
        this.#log(`recording the outcomes of ${results.length} attempts failed; they are attempted again`, error),
      )
      .finally(() => {
        this.#settling = undefined;
        this.#scheduleSettle();
      });
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
    return {
      handler,
      message,
      outcome,
      status,
      nextAttemptAt,
      attempts,
      at,
      startedAt: startedAt.toISOString(),
      attempt,
    };
  }

  async #settleAll(results: Attempted[]): Promise<void> {
    if (results.length === 0) return;
    // Handlers audit what an outcome changes (an endpoint disabled, a message failed).
    await runTransaction(this.#store, this.#options.auditChain, async (tx) => {
      const attempts: { outboxId: string; attempt: AttemptRecord }[] = [];
      const held = await settleAll(
        tx,
        results.map((r) => ({
          id: r.message.id,
          by: this.id,
          at: r.at,
          startedAt: r.startedAt,
          status: r.status,
          nextAttemptAt: r.nextAttemptAt,
          ...(r.attempt && { attempt: r.attempt }),
          ...(r.outcome.result !== 'skipped' && r.outcome.payload !== undefined && { payload: r.outcome.payload }),
        })),
      );
      for (const r of results) {
        if (!held.has(r.message.id)) continue;
        if (r.attempt) attempts.push({ outboxId: r.message.id, attempt: r.attempt });
        if (r.outcome.result === 'delivered' && r.outcome.followUps?.length) await enqueueIn(tx, r.outcome.followUps);
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
