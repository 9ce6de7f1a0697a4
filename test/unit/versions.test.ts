import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions } from '../../src/domain/catalog.ts';

describe('product versions', () => {
  it('order as people write them', () => {
    const sorted = ['1.0-beta', '1.0', '1.0.1', '1.2', '1.10', '2', '2.0.1', '10.0'];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        assert.equal(
          Math.sign(compareVersions(sorted[i]!, sorted[j]!)),
          Math.sign(i - j),
          `${sorted[i]} vs ${sorted[j]}`,
        );
      }
    }
  });
});
