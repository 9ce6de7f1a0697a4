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
      if (error) return done(refusedKey(error, body as string) ?? error, undefined);
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

/**
 * The parser refuses `__proto__` (and `constructor.prototype`) keys as a guard against prototype
 * poisoning, with the same error as broken JSON; when the body is valid JSON, the answer names the
 * refused key instead.
 */
function refusedKey(error: Error, body: string): AppError | undefined {
  if ((error as Error & { code?: string }).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') return undefined;
  let where: string | undefined;
  try {
    // JSON.parse makes `__proto__` an own property (it never sets the prototype): safe to walk.
    where = prototypeKeyPath(JSON.parse(body), '');
  } catch {
    return undefined;
  }
  if (where === undefined) return undefined;
  return new AppError(
    'MALFORMED_REQUEST',
    'The body is valid JSON, but it has a key this server refuses: "__proto__", or "constructor" holding "prototype".',
    { fields: [{ field: where, message: 'this key is refused' }] },
  );
}

function prototypeKeyPath(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = prototypeKeyPath(item, `${path}/${index}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (Object.hasOwn(value, '__proto__')) return `${path}/__proto__`;
  const maker: unknown = Object.hasOwn(value, 'constructor') ? Reflect.get(value, 'constructor') : undefined;
  if (maker !== null && typeof maker === 'object' && Object.hasOwn(maker, 'prototype')) {
    return `${path}/constructor/prototype`;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = prototypeKeyPath(item, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
