import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/errors.ts';

/**
 * JSON bodies are parsed by Fastify's own (prototype-poisoning safe) parser; on top, a string with
 * a NUL character is refused, because PostgreSQL cannot store one and SQLite would truncate it.
 */
/** The size limit is the server's, or a route's own `bodyLimit` (key uploads take more). */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error, value) => {
      if (error) return done(error, undefined);
      const where = typeof body === 'string' && /\\u0000/i.test(body) ? nulPath(value, '') : undefined;
      if (where !== undefined) {
        return done(
          new AppError('VALIDATION_FAILED', 'Text must not contain NUL characters.', {
            fields: [{ field: where || '/', message: 'contains a NUL character' }],
          }),
          undefined,
        );
      }
      done(null, value);
    });
  });
}

function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = nulPath(item, `${path}/${index}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return `${path}/${key.replaceAll('\u0000', '\\u0000')}`;
      const found = nulPath(item, `${path}/${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
