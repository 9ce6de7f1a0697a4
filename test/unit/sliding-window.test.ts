import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type WindowCounts,
  addCount,
  countsAt,
  isSpent,
  msUntilAllowed,
  secondsUntilAllowed,
  slidingEstimate,
  windowStartOf,
} from '../../src/domain/sliding-window.ts';
import { WindowCounter } from '../../src/domain/window-counter.ts';

const W = 60_000;
/** A window edge, far from zero. */
const EDGE = 1_000 * W;

/** `n` counts, one every `stepMs`, from `from`. */
function counted(n: number, from: number, stepMs: number, counts?: WindowCounts): WindowCounts | undefined {
  let c = counts;
  for (let i = 0; i < n; i++) c = addCount(c, from + i * stepMs, W);
  return c;
}

describe('sliding window estimate', () => {
  it('weighs the previous window by the share of it the sliding window still covers', () => {
    const counts = { start: EDGE, previous: 10, current: 3 };
    assert.equal(slidingEstimate(counts, EDGE, W), 13);
    assert.equal(slidingEstimate(counts, EDGE + W / 2, W), 8);
    assert.equal(slidingEstimate(counts, EDGE + (3 * W) / 4, W), 5.5);
    assert.equal(slidingEstimate(counts, EDGE + W, W), 3, 'in the next window the current count is the previous one');
    assert.equal(slidingEstimate(counts, EDGE + 2 * W, W), 0);
  });

  it('moves counts on by whole windows', () => {
    assert.deepEqual(countsAt({ start: EDGE, previous: 4, current: 7 }, EDGE + W + 5, W), {
      start: EDGE + W,
      previous: 7,
      current: 0,
    });
    assert.deepEqual(countsAt({ start: EDGE, previous: 4, current: 7 }, EDGE + 2 * W, W), {
      start: EDGE + 2 * W,
      previous: 0,
      current: 0,
    });
    assert.deepEqual(countsAt(undefined, EDGE + 5, W), { start: EDGE, previous: 0, current: 0 });
    const ahead = { start: EDGE + W, previous: 1, current: 2 };
    assert.equal(countsAt(ahead, EDGE + 5, W), ahead, "another server's later window is kept");
    assert.equal(windowStartOf(EDGE + W - 1, W), EDGE);
    assert.ok(isSpent({ start: EDGE, previous: 1, current: 1 }, EDGE + 2 * W, W));
    assert.ok(!isSpent({ start: EDGE, previous: 1, current: 1 }, EDGE + 2 * W - 1, W));
  });

  it('refuses the count after a full burst even when the burst straddles a window edge', () => {
    for (const offset of [-5_000, -2_500, -1, 0, 1, 2_500]) {
      const counts = counted(10, EDGE + offset, 500);
      const end = EDGE + offset + 10 * 500;
      assert.ok(secondsUntilAllowed(counts, end, W, 10) > 0, `burst starting ${offset} ms from the edge`);
      assert.equal(secondsUntilAllowed(counted(9, EDGE + offset, 500), end, W, 10), 0, 'nine of ten leave room');
    }
  });

  it('gives no second budget at a window edge: a full window is followed by a refusal', () => {
    const late = counted(10, EDGE - 1_000, 50);
    assert.ok(msUntilAllowed(late, EDGE + 1, W, 10) > 0);
    // The previous window's share has to fall to 9: a tenth of the window into the next one.
    assert.equal(msUntilAllowed(late, EDGE + 1, W, 10), W / 10 - 1);
  });

  it('waits for the current window to end and its share to shrink when the current window alone is full', () => {
    const counts = { start: EDGE, previous: 0, current: 10 };
    // The rest of this window (40 s), then until 10 × (1 − t/W) ≤ 9: 6 s into the next.
    assert.equal(msUntilAllowed(counts, EDGE + 20_000, W, 10), 40_000 + 6_000);
    assert.equal(secondsUntilAllowed(counts, EDGE + 20_000, W, 10), 46);
    assert.equal(msUntilAllowed({ start: EDGE, previous: 0, current: 1 }, EDGE, W, 1), 2 * W, 'max 1: both windows');
    assert.equal(msUntilAllowed(undefined, EDGE, W, 0), W, 'max 0 refuses always');
  });

  it('after the wait it names, one more count fits; a millisecond before, it does not (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: W - 1 }),
        (max, previous, current, elapsed) => {
          const counts = { start: EDGE, previous, current };
          const now = EDGE + elapsed;
          const wait = msUntilAllowed(counts, now, W, max);
          const fits = (at: number) => slidingEstimate(counts, at, W) + 1 <= max + 1e-9;
          assert.equal(wait === 0, fits(now));
          if (wait > 0) {
            assert.ok(fits(now + wait), `fits after ${wait} ms`);
            if (wait > 1) assert.ok(!fits(now + wait - 2), `not 2 ms before ${wait} ms`);
          }
        },
      ),
    );
  });

  it('lets at most max × (1 + L/W) through in any span of length L ≤ W, whatever the stream (property)', () => {
    // Fixed windows let 2 × max through in a moment at an edge; the estimate, which takes the
    // previous window's counts as spread evenly, lets a burst at the end of one window be
    // followed only by the rate that its shrinking share leaves room for.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: W - 1 }),
        (max, gaps, offset) => {
          let counts: WindowCounts | undefined;
          const admitted: number[] = [];
          let t = EDGE + offset;
          for (const gap of gaps) {
            t += gap;
            if (msUntilAllowed(counts, t, W, max) === 0) {
              counts = addCount(counts, t, W);
              admitted.push(t);
            }
          }
          for (const span of [W / 100, W / 10, W / 2, W])
            for (const from of admitted) {
              const inSpan = admitted.filter((at) => at >= from && at < from + span).length;
              assert.ok(inSpan <= Math.floor(max * (1 + span / W)) + 1, `${inSpan} in ${span} ms, max ${max}`);
            }
        },
      ),
    );
  });
});

describe('in-memory window counter', () => {
  it('limits a key to max, then lets it go as its counts slide out of the window', () => {
    const counter = new WindowCounter(3, W);
    const t0 = EDGE + 20_000;
    for (let i = 0; i < 3; i++) {
      assert.equal(counter.retryAfter('a', t0), 0);
      counter.add('a', t0);
    }
    // The rest of the window (40 s), then until 3 × (1 − t/W) ≤ 2: 20 s into the next.
    assert.equal(counter.retryAfter('a', t0 + 1000), 59);
    assert.equal(counter.retryAfter('b', t0 + 1000), 0, 'other keys are not affected');
    assert.ok(counter.retryAfter('a', t0 + 59_000) > 0);
    assert.equal(counter.retryAfter('a', t0 + 60_000), 0);
  });

  it('stays bounded with many keys', () => {
    const counter = new WindowCounter(1, W, 100);
    for (let i = 0; i < 1000; i++) counter.add(`10.0.${Math.floor(i / 256)}.${i % 256}`, EDGE + 5);
    assert.ok(counter.retryAfter('10.0.3.231', EDGE + 5) > 0, 'the newest is remembered');
  });
});
