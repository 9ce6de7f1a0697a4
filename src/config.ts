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
  /** The address people reach this server at, for links sent by mail; by default the request's own. */
  publicUrl: string | undefined;
  /** Send Strict-Transport-Security; undefined: when `publicUrl` is https. */
  hsts: boolean | undefined;
  /** Seals the signing keys at rest (DESIGN.md §3); without it, a key file (`secretFile` or beside the database). */
  secret: string | undefined;
  secretFile: string | undefined;
  /** How often the server signs a checkpoint of the audit chain; 0: never by itself. */
  auditCheckpointSeconds: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are cut. */
  shutdownGraceSeconds: number;
  /** GET /metrics on the main port answers a bearer of this token; without it, it is not served there. */
  metricsToken: string | undefined;
  /** A port of its own for GET /metrics (no token), on the same host. */
  metricsPort: number | undefined;
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
  publicUrl: undefined,
  hsts: undefined,
  secret: undefined,
  secretFile: undefined,
  auditCheckpointSeconds: 3600,
  shutdownGraceSeconds: 10,
  metricsToken: undefined,
  metricsPort: undefined,
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
    publicUrl: publicUrl(env.LICENTIA_PUBLIC_URL),
    hsts: flag(env, 'LICENTIA_HSTS'),
    secret: env.LICENTIA_SECRET || undefined,
    secretFile: env.LICENTIA_SECRET_FILE || undefined,
    auditCheckpointSeconds: integer(env, 'LICENTIA_AUDIT_CHECKPOINT_SECONDS', defaultConfig.auditCheckpointSeconds),
    shutdownGraceSeconds: integer(env, 'LICENTIA_SHUTDOWN_GRACE_S', defaultConfig.shutdownGraceSeconds),
    metricsToken: metricsToken(env.LICENTIA_METRICS_TOKEN),
    metricsPort: env.LICENTIA_METRICS_PORT ? integer(env, 'LICENTIA_METRICS_PORT', 0) : undefined,
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

function publicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`LICENTIA_PUBLIC_URL must be an http(s) URL (got "${raw}")`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16) throw new Error('LICENTIA_METRICS_TOKEN must be at least 16 characters long.');
  return raw;
}
