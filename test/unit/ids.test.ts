import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, uuidv7Hex } from '../../src/domain/ids.ts';

describe('IDs', () => {
  it('are UUIDv7 behind a type prefix', () => {
    const id = newId('account');
    assert.match(id, /^acc_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    const ms = Number.parseInt(id.slice(4, 16), 16);
    assert.ok(Math.abs(ms - Date.now()) < 1000);
  });

  it('sort in the order they were made, within one millisecond too', () => {
    const at = Date.now() + 10_000;
    const ids = Array.from({ length: 5000 }, () => uuidv7Hex(at));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    const later = Array.from({ length: 1000 }, (_, i) => uuidv7Hex(at + 1 + Math.floor(i / 100)));
    assert.deepEqual([...ids, ...later].sort(), [...ids, ...later]);
  });
});
