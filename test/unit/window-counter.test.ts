import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowCounter } from '../../src/domain/window-counter.ts';

describe('per-address window counter', () => {
  it('limits an address to max per window, then lets it go when the window ends', () => {
    const counter = new WindowCounter(3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      assert.equal(counter.retryAfter('a', t0), 0);
      counter.add('a', t0);
    }
    assert.equal(counter.retryAfter('a', t0 + 1000), 59);
    assert.equal(counter.retryAfter('b', t0 + 1000), 0, 'other addresses are not affected');
    assert.equal(counter.retryAfter('a', t0 + 60_000), 0);
  });

  it('stays bounded with many addresses', () => {
    const counter = new WindowCounter(1, 60_000, 100);
    for (let i = 0; i < 1000; i++) counter.add(`10.0.${Math.floor(i / 256)}.${i % 256}`, 5);
    assert.equal(counter.retryAfter('10.0.3.231', 5) > 0, true, 'the newest is remembered');
  });
});
