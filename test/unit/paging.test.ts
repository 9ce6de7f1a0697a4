import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../src/domain/paging.ts';

describe('paging', () => {
  it('round-trips cursors and refuses made-up ones', () => {
    assert.equal(decodeCursor(encodeCursor('acc_0193')), 'acc_0193');
    assert.equal(decodeCursor(undefined), undefined);
    assert.throws(() => decodeCursor('!!!'), AppError);
    assert.throws(() => decodeCursor('YQ=='), AppError);
  });

  it('caps pages at 1000', () => {
    assert.equal(pageSize({ limit: 5000 }), 1000);
    assert.equal(pageSize({}), 100);
  });

  it('hands out a cursor only when there is more', () => {
    const rows = ['a', 'b', 'c'];
    assert.deepEqual(
      toPage(
        rows,
        2,
        (r) => r,
        (r) => r,
      ),
      { items: ['a', 'b'], nextCursor: encodeCursor('b') },
    );
    assert.deepEqual(
      toPage(
        rows,
        3,
        (r) => r,
        (r) => r,
      ),
      { items: rows, nextCursor: null },
    );
  });
});
