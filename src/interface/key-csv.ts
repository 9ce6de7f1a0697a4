import type { WebRegisterKey } from '../domain/bulk.ts';
import { csvText } from '../domain/csv.ts';

const csvColumns = [
  'key',
  'state',
  'entitlementId',
  'redeemedEntitlementId',
  'redeemedAt',
  'voidedAt',
  'loadId',
  'loadedAt',
] as const;

/** A key export as CSV text, a batch of rows at a time (the API and the portal send the same file). */
export async function* csvLines(batches: AsyncGenerator<WebRegisterKey[]>): AsyncGenerator<string> {
  yield csvText([csvColumns]);
  for await (const batch of batches) {
    yield csvText(batch.map((k) => csvColumns.map((c) => k[c])));
  }
}
