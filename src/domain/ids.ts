import { v7 as uuidv7 } from 'uuid';

/**
 * Internal identifiers are UUIDv7 (time-ordered, so they page and index well) behind a type prefix,
 * so a support ticket that quotes `acc_…` says what it is. Human identifiers (entitlement IDs,
 * activation codes, web register keys) are made elsewhere.
 */
export const idPrefixes = {
  account: 'acc',
  contact: 'con',
  apiKey: 'key',
  user: 'usr',
  feature: 'fea',
  licenseModel: 'lm',
  product: 'prd',
  entitlement: 'ent',
  lineItem: 'li',
  event: 'evt',
  device: 'dev',
  activation: 'act',
  lease: 'lse',
  keyLoad: 'kld',
  signingKey: 'sk',
  session: 'ses',
} as const;

export type IdKind = keyof typeof idPrefixes;

export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${uuidv7().replaceAll('-', '')}`;
}
