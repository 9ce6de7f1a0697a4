import { stringify } from 'csv-stringify/sync';
import type { WebRegisterKey } from '../domain/bulk.ts';

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
  yield stringify([csvColumns as unknown as string[]]);
  for await (const batch of batches) {
    yield stringify(batch.map((k) => csvColumns.map((c) => k[c] ?? '')));
  }
}
