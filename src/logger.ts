import pino, { type Logger } from 'pino';

/**
 * Request lines carry the route pattern, never the URL or headers (src/interface/app.ts); these paths
 * are a second guard so that a secret that reaches a log object anyway is censored.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.secret',
  '*.key',
  '*.token',
  '*.code',
  '*.activationId',
  '*.privateKey',
  // A database error's detail can quote the row it refused, codes included.
  'err.detail',
  'err.parameters',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' } });
}
