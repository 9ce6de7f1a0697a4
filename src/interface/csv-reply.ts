import type { FastifyReply } from 'fastify';

/**
 * Prepares `reply` to send a CSV file as a download named `filename`. `noStore` for the portal, whose
 * answers are never cached; the API leaves caching to the route (`secretAnswer`). Every answer
 * already carries `nosniff` (security-headers.ts), so a CSV is never run as HTML.
 */
export function csvReply<R extends FastifyReply>(reply: R, filename: string, options: { noStore?: boolean } = {}): R {
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
  if (options.noStore) reply.header('cache-control', 'no-store');
  return reply;
}
