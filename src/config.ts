/**
 * Configuration comes from the environment (DESIGN.md §3 "Configuration"). Read once at start;
 * everything below receives a Config object rather than reading process.env itself.
 */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  adminKey: string | undefined;
  issuer: string;
  logLevel: string;
  /** Largest JSON body accepted; key files have their own, larger limit. */
  bodyLimitBytes: number;
  keyUploadLimitBytes: number;
  databasePoolSize: number;
  /** Failed guesses of codes allowed per client address per minute. */
  failedAttemptsPerMinute: number;
  /** Ceiling on all requests to public endpoints per client address per minute. */
  publicRequestsPerMinute: number;
  trustProxy: boolean;
  /**
   * Where the limit counts are kept (`LICENTIA_LIMIT_COUNTERS`); undefined: Redis when `redisUrl`
   * is set, else the `limit_counters` table on PostgreSQL, else memory (src/services/limits/rate-counters.ts).
   */
  limitCounters: 'memory' | 'postgres' | 'redis' | undefined;
  /** `redis://[user:pass@]host:port[/db]`: the shared limit counters live there. */
  redisUrl: string | undefined;
  /** Put before every Redis key, so that several deployments can share one Redis. */
  redisKeyPrefix: string;
  /** Admins and operators must set up two-factor sign-in before they can use the portal. */
  requireTwoFactorForProducer: boolean;
  /** The address people reach this server at, for links sent by mail; by default the request's own. */
  publicUrl: string | undefined;
  /** Send Strict-Transport-Security; undefined: when `publicUrl` is https. */
  hsts: boolean | undefined;
  /** Seals the signing keys at rest (DESIGN.md §3); without it, a key file (`secretFile` or beside the database). */
  secret: string | undefined;
  secretFile: string | undefined;
  /** Hash-chain the audit log in chains by subject (DESIGN.md §3); on by default, `LICENTIA_AUDIT_CHAIN=false` turns it off (docs/security.md). */
  auditChain: boolean;
  /** How often the server signs a checkpoint of the audit chain; 0: never by itself. */
  auditCheckpointSeconds: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are cut. */
  shutdownGraceSeconds: number;
  /** GET /metrics on the main port answers a bearer of this token; without it, it is not served there. */
  metricsToken: string | undefined;
  /** A port of its own for GET /metrics (no token), on the same host. */
  metricsPort: number | undefined;
  /** Webhook URLs may be plain http and resolve to loopback or private addresses (tests, closed networks). */
  webhooksAllowPrivate: boolean;
  /** How long a webhook receiver has to answer. */
  webhookTimeoutMs: number;
  /** Waits between webhook attempts; undefined: the documented three-day schedule. */
  webhookRetrySchedule: readonly number[] | undefined;
  /** An endpoint without a success for this long is disabled. */
  webhookDisableAfterMs: number;
  /** How often each process looks for due outgoing deliveries made by other processes. */
  outboxPollMs: number;
  /** How long a process's claim on a delivery lasts; must exceed any attempt. */
  outboxLeaseMs: number;
  /** Outgoing mail (src/mail/transport.ts). */
  mail: MailConfig;
}

export interface MailConfig {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; none writes `.eml` files. */
  smtpUrl: string | undefined;
  /** Where the `.eml` files go without SMTP; by default `mail/` beside the SQLite file, `./data/mail` otherwise. */
  dir: string | undefined;
  from: string;
  /** The producer as the templates name it, and where people write for help. */
  producerName: string;
  supportEmail: string | undefined;
  /** Waits between attempts after a temporary failure; undefined: the documented day-long schedule. */
  retrySchedule: readonly number[] | undefined;
}

export const defaultConfig: Config = {
  port: 8080,
  host: '127.0.0.1',
  databaseUrl: 'sqlite:./data/licentia.db',
  adminKey: undefined,
  issuer: 'licentia',
  logLevel: 'info',
  bodyLimitBytes: 1024 * 1024,
  keyUploadLimitBytes: 256 * 1024 * 1024,
  databasePoolSize: 10,
  failedAttemptsPerMinute: 30,
  publicRequestsPerMinute: 6000,
  trustProxy: false,
  limitCounters: undefined,
  redisUrl: undefined,
  redisKeyPrefix: 'licentia:limits:',
  requireTwoFactorForProducer: false,
  publicUrl: undefined,
  hsts: undefined,
  secret: undefined,
  secretFile: undefined,
  auditChain: true,
  auditCheckpointSeconds: 3600,
  mail: {
    smtpUrl: undefined,
    dir: undefined,
    from: 'licentia@localhost',
    producerName: 'Licentia',
    supportEmail: undefined,
    retrySchedule: undefined,
  },
  shutdownGraceSeconds: 10,
  metricsToken: undefined,
  metricsPort: undefined,
  webhooksAllowPrivate: false,
  webhookTimeoutMs: 10_000,
  webhookRetrySchedule: undefined,
  webhookDisableAfterMs: 5 * 86_400_000,
  outboxPollMs: 1000,
  outboxLeaseMs: 60_000,
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: integer(env, 'PORT', defaultConfig.port),
    host: env.HOST || defaultConfig.host,
    databaseUrl: env.DATABASE_URL || defaultConfig.databaseUrl,
    adminKey: env.LICENTIA_ADMIN_KEY || undefined,
    issuer: env.LICENTIA_ISSUER || defaultConfig.issuer,
    logLevel: env.LOG_LEVEL || defaultConfig.logLevel,
    bodyLimitBytes: integer(env, 'LICENTIA_BODY_LIMIT', defaultConfig.bodyLimitBytes),
    keyUploadLimitBytes: integer(env, 'LICENTIA_KEY_UPLOAD_LIMIT', defaultConfig.keyUploadLimitBytes),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', defaultConfig.databasePoolSize),
    failedAttemptsPerMinute: integer(env, 'LICENTIA_FAILED_ATTEMPTS_PER_MINUTE', defaultConfig.failedAttemptsPerMinute),
    publicRequestsPerMinute: integer(env, 'LICENTIA_PUBLIC_REQUESTS_PER_MINUTE', defaultConfig.publicRequestsPerMinute),
    trustProxy: env.LICENTIA_TRUST_PROXY === 'true',
    limitCounters: limitCounters(env.LICENTIA_LIMIT_COUNTERS),
    redisUrl: redisUrl(env.REDIS_URL),
    redisKeyPrefix: oneLine(env, 'LICENTIA_REDIS_PREFIX') ?? defaultConfig.redisKeyPrefix,
    requireTwoFactorForProducer: env.LICENTIA_REQUIRE_2FA_FOR_PRODUCER === 'true',
    publicUrl: publicUrl(env.LICENTIA_PUBLIC_URL),
    hsts: flag(env, 'LICENTIA_HSTS'),
    secret: env.LICENTIA_SECRET || undefined,
    secretFile: env.LICENTIA_SECRET_FILE || undefined,
    auditChain: flag(env, 'LICENTIA_AUDIT_CHAIN') ?? defaultConfig.auditChain,
    auditCheckpointSeconds: integer(env, 'LICENTIA_AUDIT_CHECKPOINT_SECONDS', defaultConfig.auditCheckpointSeconds),
    mail: {
      smtpUrl: smtpUrl(env.SMTP_URL),
      dir: env.LICENTIA_MAIL_DIR || undefined,
      from: mailbox(env, 'LICENTIA_MAIL_FROM') ?? defaultConfig.mail.from,
      producerName: oneLine(env, 'LICENTIA_PRODUCER_NAME') ?? defaultConfig.mail.producerName,
      supportEmail: mailbox(env, 'LICENTIA_SUPPORT_EMAIL'),
      retrySchedule: schedule(env.LICENTIA_MAIL_RETRY_SCHEDULE_MS, 'LICENTIA_MAIL_RETRY_SCHEDULE_MS'),
    },
    shutdownGraceSeconds: integer(env, 'LICENTIA_SHUTDOWN_GRACE_S', defaultConfig.shutdownGraceSeconds),
    metricsToken: metricsToken(env.LICENTIA_METRICS_TOKEN),
    metricsPort: env.LICENTIA_METRICS_PORT ? integer(env, 'LICENTIA_METRICS_PORT', 0) : undefined,
    webhooksAllowPrivate: env.LICENTIA_WEBHOOKS_ALLOW_PRIVATE === 'true',
    webhookTimeoutMs: integer(env, 'LICENTIA_WEBHOOK_TIMEOUT_MS', defaultConfig.webhookTimeoutMs),
    webhookRetrySchedule: schedule(env.LICENTIA_WEBHOOK_RETRY_SCHEDULE_MS),
    webhookDisableAfterMs: integer(env, 'LICENTIA_WEBHOOK_DISABLE_AFTER_MS', defaultConfig.webhookDisableAfterMs),
    outboxPollMs: integer(env, 'LICENTIA_OUTBOX_POLL_MS', defaultConfig.outboxPollMs),
    outboxLeaseMs: integer(env, 'LICENTIA_OUTBOX_LEASE_MS', defaultConfig.outboxLeaseMs),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer (got "${raw}")`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false (got "${raw}")`);
  return raw === 'true';
}

/** Comma-separated milliseconds, e.g. `50,50,50` (tests). */
function schedule(raw: string | undefined, name = 'LICENTIA_WEBHOOK_RETRY_SCHEDULE_MS'): readonly number[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const waits = raw.split(',').map((part) => Number(part.trim()));
  if (waits.some((wait) => !Number.isInteger(wait) || wait < 0))
    throw new Error(`${name} must be comma-separated milliseconds (got "${raw}")`);
  return waits;
}

function publicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`LICENTIA_PUBLIC_URL must be an http(s) URL (got "${raw}")`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function limitCounters(raw: string | undefined): Config['limitCounters'] {
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'memory' && raw !== 'postgres' && raw !== 'redis')
    throw new Error(`LICENTIA_LIMIT_COUNTERS must be memory, postgres or redis (got "${raw}")`);
  return raw;
}

function redisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  // The URL may carry a password: the message names the variable, never its value.
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '')
    throw new Error('REDIS_URL must be redis://[user:pass@]host[:port][/db] or rediss://…');
  return raw;
}

function smtpUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  // The URL may carry a password: the message names the variable, never its value.
  if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '')
    throw new Error('SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://…');
  return raw;
}

/** A value that goes into a mail header: one line, no control characters. */
function oneLine(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(raw) || raw.length > 200)
    throw new Error(`${name} must be one line of at most 200 characters`);
  return raw.trim();
}

function mailbox(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = oneLine(env, name);
  if (value !== undefined && !/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(value))
    throw new Error(`${name} must be a plain address like licences@example.com (got "${value}")`);
  return value;
}
function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16) throw new Error('LICENTIA_METRICS_TOKEN must be at least 16 characters long.');
  return raw;
}
