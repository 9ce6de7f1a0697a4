import { CODE_PREFIX_PATTERN } from '../../domain/codes.ts';
import { AppError, invalidField } from '../../domain/errors.ts';
import type { KeySource } from './load-web-register-keys.ts';

export interface KeyLoadJson {
  keys?: string[] | undefined;
  key?: string | undefined;
  generate?: number | undefined;
  prefix?: string | undefined;
}

/** A JSON load names its keys in exactly one way: a list, a single key, or a number to generate. */
export function keySourceFromJson(body: KeyLoadJson): KeySource {
  const given = [body.keys, body.key, body.generate].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new AppError('VALIDATION_FAILED', 'Give exactly one of keys, key or generate.', {
      fields: [{ field: '/', message: 'one of keys, key, generate' }],
    });
  }
  if (body.prefix !== undefined && body.generate === undefined) throw invalidField('/prefix', 'only with generate');
  if (body.prefix !== undefined && !CODE_PREFIX_PATTERN.test(body.prefix))
    throw invalidField('/prefix', 'must be 1 to 16 of A-Z 0-9');
  if (body.generate !== undefined) return { kind: 'generate', count: body.generate, prefix: body.prefix };
  return { kind: 'list', keys: body.keys ?? [body.key ?? ''] };
}
