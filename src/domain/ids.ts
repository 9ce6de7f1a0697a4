import { randomFillSync } from 'node:crypto';

/**
 * Internal identifiers are UUIDv7 (RFC 9562: a millisecond timestamp, then randomness), behind a
 * type prefix so that a support ticket that quotes `acc_…` says what it is. Human identifiers
 * (entitlement IDs, activation codes, web register keys) are made elsewhere.
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
  return `${idPrefixes[kind]}_${uuidv7Hex()}`;
}

// Random bytes are drawn from a pool: one system call per 256 IDs instead of one per ID, which
// matters on the activation path (three IDs per activation).
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;
let lastMs = -1;
let sequence = 0;

function random(bytes: number): Buffer {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return slice;
}

/**
 * 48 bits of milliseconds, the version, a 31-bit sequence (random at each new millisecond and
 * counting up within it, so IDs made in this process sort in the order they were made), the
 * variant, and 42 random bits.
 */
export function uuidv7Hex(now = Date.now()): string {
  const r = random(10);
  if (now > lastMs) {
    lastMs = now;
    sequence = r.readUInt32BE(0) & 0x3fffffff;
  } else {
    sequence = (sequence + 1) & 0x7fffffff;
    if (sequence === 0) lastMs += 1;
  }
  const ms = lastMs;
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | ((sequence >>> 27) & 0x0f);
  bytes[7] = (sequence >>> 19) & 0xff;
  bytes[8] = 0x80 | ((sequence >>> 13) & 0x3f);
  bytes[9] = (sequence >>> 5) & 0xff;
  bytes[10] = ((sequence << 3) & 0xf8) | (r[4]! & 0x07);
  r.copy(bytes, 11, 5, 10);
  return bytes.toString('hex');
}
