import { createHash, timingSafeEqual } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppError } from '../domain/errors.ts';
import type { Store } from '../store/database.ts';
import { problemCodeOf, sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks a credential of its own (the metrics token), not an API key. */
    ownCredential?: boolean;
  }
}

/** What the outbox reports, by kind of delivery: how many wait, and how long the oldest has. */
export interface OutboxGauges {
  backlog(): Promise<readonly { kind: string; depth: number; oldestAgeSeconds: number }[]>;
}

/** What the limit counters report: where they are kept, and how long sharing them has failed. */
export interface LimitCounterGauges {
  readonly backend: string;
  unsharedForMs(): number;
}

/** The operations counted with their outcome, by route: the licensing traffic one watches. */
const operations: Record<string, string> = {
  'POST /api/v1/activations': 'activation',
  'POST /api/v1/activations/offline': 'activation',
  'POST /activate': 'activation',
  'POST /activate/offline': 'activation',
  'POST /api/v1/web-register-keys/:key/redeem': 'redemption',
  'POST /api/v1/licenses/validate': 'validation',
};

/**
 * This server's metrics in the Prometheus format: requests by route pattern (never the URL,
 * which carries codes) and status with their latency, licensing operations and their outcomes
 * (`ok`, the problem code, or `rejected` for a validation that answers no), group commit sizes,
 * the PostgreSQL pool, the event loop and the process. One registry per server, not prom-client's
 * global one, so that several servers in one process (tests) keep their counts apart.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new Histogram({
    name: 'licentia_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, with their duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly #operations = new Counter({
    name: 'licentia_operations_total',
    help: 'Activations, redemptions and validations by outcome: ok, a problem code, or rejected',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #problems = new Counter({
    name: 'licentia_http_problems_total',
    help: 'API refusals (problem answers) by method, route pattern and problem code',
    labelNames: ['method', 'route', 'code'] as const,
    registers: [this.registry],
  });
  readonly #groupCommits = new Histogram({
    name: 'licentia_group_commit_transactions',
    help: 'SQLite: transactions committed together per group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly #retries = new Counter({
    name: 'licentia_db_transaction_retries_total',
    help: 'PostgreSQL: transactions retried, by SQLSTATE (40001 serialization failure, 40P01 deadlock)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor(store: Store) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    store.observeGroupCommits((members) => this.#groupCommits.observe(members));
    store.observeRetries((code) => this.#retries.inc({ code }));
    const { pool } = store;
    if (pool) {
      new Gauge({
        name: 'licentia_db_pool_connections',
        help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one',
        labelNames: ['state'] as const,
        registers: [this.registry],
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
  }

  /** Counts every request the app answers. */
  observe(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? '(unmatched)';
      const status = String(reply.statusCode);
      this.#requests.observe({ method: request.method, route, status }, reply.elapsedTime / 1000);
      const code = problemCodeOf(request);
      if (code !== undefined) this.#problems.inc({ method: request.method, route, code });
      const operation = operations[`${request.method} ${route}`];
      if (operation) this.#operations.inc({ operation, outcome: outcomeOf(request, reply.statusCode) });
    });
  }

  /**
   * The outbox's depth and oldest age by kind, read from the database when scraped (one query
   * for both gauges per scrape; no timer). Every process shows the same, shared, backlog.
   */
  observeOutbox(outbox: OutboxGauges): void {
    let scrape: Promise<Awaited<ReturnType<OutboxGauges['backlog']>>> | undefined;
    // Both gauges are collected in one scrape: they share its query.
    const backlog = () => {
      scrape ??= outbox.backlog().finally(() => setImmediate(() => (scrape = undefined)));
      return scrape;
    };
    new Gauge({
      name: 'licentia_outbox_depth',
      help: 'Deliveries (webhooks, mail) waiting in the outbox, by kind',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await backlog()) this.set({ kind: row.kind }, row.depth);
      },
    });
    new Gauge({
      name: 'licentia_outbox_oldest_age_seconds',
      help: 'Age of the oldest delivery waiting in the outbox, by kind (0 when none waits)',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await backlog()) this.set({ kind: row.kind }, row.oldestAgeSeconds);
      },
    });
  }

  /** Whether this server's limit counts reach the other servers (Redis or PostgreSQL away: they do not). */
  observeLimitCounters(counters: LimitCounterGauges): void {
    new Gauge({
      name: 'licentia_limit_counters_unshared_seconds',
      help: 'How long sharing the limit counts with the other servers has been failing (0 while it works), by backend',
      labelNames: ['backend'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.set({ backend: counters.backend }, counters.unsharedForMs() / 1000);
      },
    });
  }

  /**
   * `GET /metrics` on the app, for a bearer of `token`. Without a token the route does not exist
   * there: the metrics are then served only on their own port, if one is set.
   */
  route(app: FastifyInstance, token: string | undefined): void {
    if (token === undefined) return;
    const expected = digest(token);
    app.get('/metrics', { schema: { hide: true }, config: { ownCredential: true } }, async (request, reply) => {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        return sendProblem(reply, new AppError('UNAUTHENTICATED', 'The metrics need the metrics token as bearer.'));
      }
      return reply.type(this.registry.contentType).send(await this.registry.metrics());
    });
  }

  /** The metrics alone on `port`, for a network only the monitoring can reach. */
  async listen(host: string, port: number): Promise<Server> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return server;
  }
}

function outcomeOf(request: FastifyRequest, status: number): string {
  const code = problemCodeOf(request);
  if (code !== undefined) return code;
  // The portal answers with a page, not a problem.
  if (status >= 400) return `status-${status}`;
  return request.guessFailed ? 'rejected' : 'ok';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
