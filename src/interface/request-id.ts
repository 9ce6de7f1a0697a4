import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a caller's (or balancer's) X-Request-Id may be to be taken as the request's ID. */
const SANE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The request's ID: the caller's X-Request-Id when it is sane (a balancer or client that already
 * made one, so their logs and ours agree), otherwise a new UUID. Anything else would let a caller
 * write what it likes into our log lines.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE.test(given) ? given : randomUUID();
}
