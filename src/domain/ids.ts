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
  message: 'mail',
  outbox: 'msg',
  outboxAttempt: 'att',
  webhookEndpoint: 'whe',
} as const;

export type IdKind = keyof typeof idPrefixes;

export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${uuidv7Hex()}`;
}

// Random bytes are drawn from a pool: one system call per 256 IDs instead of one per ID, which
// matters on the activation path (three IDs per activation). The hex is written from a table:
// Buffer's copy and hex encoding cost more than the rest of the ID on that path.
const pool = new Uint8Array(16 * 256);
let poolOffset = pool.length;
let lastMs = -1;
let sequence = 0;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Where 10 fresh random bytes start in `pool`. */
function random10(): number {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 10;
  return at;
}

function hex(byte: number): string {
  return HEX[byte & 0xff] as string;
}

/**
 * 48 bits of milliseconds, the version, a 31-bit sequence (random at each new millisecond and
 * counting up within it, so IDs made in this process sort in the order they were made), the
 * variant, and 42 random bits.
 */
export function uuidv7Hex(now = Date.now()): string {
  const r = random10();
  if (now > lastMs) {
    lastMs = now;
    sequence = ((pool[r]! << 24) | (pool[r + 1]! << 16) | (pool[r + 2]! << 8) | pool[r + 3]!) & 0x3fffffff;
  } else {
    sequence = (sequence + 1) & 0x7fffffff;
    if (sequence === 0) lastMs += 1;
  }
  // 48 bits do not fit JavaScript's 32-bit operators: two 24-bit halves.
  const high = Math.floor(lastMs / 0x1000000);
  const low = lastMs % 0x1000000;
  return (
    hex(high >>> 16) +
    hex(high >>> 8) +
    hex(high) +
    hex(low >>> 16) +
    hex(low >>> 8) +
    hex(low) +
    hex(0x70 | ((sequence >>> 27) & 0x0f)) +
    hex(sequence >>> 19) +
    hex(0x80 | ((sequence >>> 13) & 0x3f)) +
    hex(sequence >>> 5) +
    hex(((sequence << 3) & 0xf8) | (pool[r + 4]! & 0x07)) +
    hex(pool[r + 5]!) +
    hex(pool[r + 6]!) +
    hex(pool[r + 7]!) +
    hex(pool[r + 8]!) +
    hex(pool[r + 9]!)
  );
}
