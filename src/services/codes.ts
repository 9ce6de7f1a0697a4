import { normalizeCode } from '../domain/codes.ts';
import { AppError } from '../domain/errors.ts';
import { lockCodeNamespace } from '../store/codes.ts';
import type { Db } from '../store/database.ts';
import { lineItemCodesExist } from '../store/entitlements.ts';
import { keyCodesExist } from '../store/web-register-keys.ts';

/**
 * Activation IDs and web register keys share one namespace: either may be typed in as the code
 * of an activation, so no normalised code may be used twice across both.
 */
export async function assertCodesFree(tx: Db, activationIds: { activationId: string; field: string }[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const { activationId, field } of activationIds) {
    const code = normalizeCode(activationId);
    if (seen.has(code)) {
      throw new AppError('VALIDATION_FAILED', 'The same activation ID is given twice.', {
        fields: [{ field, message: 'duplicate activation ID' }],
      });
    }
    seen.set(code, field);
  }
  await lockCodeNamespace(tx, 'shared');
  const taken = await codesInUse(tx, [...seen.keys()]);
  if (taken.length > 0) {
    throw new AppError('ALREADY_EXISTS', 'An activation ID is already in use.', {
      fields: taken.map((code) => ({ field: seen.get(code) ?? '', message: 'already in use' })),
    });
  }
}

export async function codesInUse(tx: Db, codes: string[]): Promise<string[]> {
  const [lineItems, keys] = await Promise.all([lineItemCodesExist(tx, codes), keyCodesExist(tx, codes)]);
  return [...new Set([...lineItems, ...keys])];
}
