import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../src/domain/paging.ts';

describe('paging', () => {
  it('round-trips cursors and refuses made-up ones', () => {
    assert.equal(decodeCursor(encodeCursor('acc_0193'), 'account'), 'acc_0193');
    assert.equal(decodeCursor(encodeCursor('42'), 'sequence'), '42');
    assert.equal(decodeCursor(undefined, 'account'), undefined);
    assert.throws(() => decodeCursor('!!!', 'account'), AppError);
    assert.throws(() => decodeCursor('YQ==', 'account'), AppError);
  });

  it('refuses a well-encoded cursor that is not a sort key of the list it is given to', () => {
    assert.throws(() => decodeCursor(encodeCursor('{"x":1}'), 'account'), AppError);
    assert.throws(() => decodeCursor('eyJ4IjoxfQ', 'event'), AppError);
    assert.throws(() => decodeCursor(encodeCursor('acc_0193'), 'entitlement'), AppError);
    assert.throws(() => decodeCursor(encodeCursor('1 OR 1'), 'sequence'), AppError);
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
