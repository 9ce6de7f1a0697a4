import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { periodOf, periodRange } from '../../src/domain/periods.ts';

const month = fc
  .record({ year: fc.integer({ min: 2000, max: 2099 }), month: fc.integer({ min: 1, max: 12 }) })
  .map(({ year, month }) => `${year}-${String(month).padStart(2, '0')}`);

describe('billing periods', () => {
  it('name a month by itself and a quarter by its number', () => {
    assert.equal(periodOf('2026-11', 'month'), '2026-11');
    assert.equal(periodOf('2026-01', 'quarter'), '2026-Q1');
    assert.equal(periodOf('2026-03', 'quarter'), '2026-Q1');
    assert.equal(periodOf('2026-04', 'quarter'), '2026-Q2');
    assert.equal(periodOf('2026-09', 'quarter'), '2026-Q3');
    assert.equal(periodOf('2026-12', 'quarter'), '2026-Q4');
  });

  it('cover the months they are named for: the month starts inside the range of its period', () => {
    fc.assert(
      fc.property(month, fc.constantFrom('month' as const, 'quarter' as const), (m, kind) => {
        const { from, to, kind: parsed } = periodRange(periodOf(m, kind));
        const start = `${m}-01T00:00:00.000Z`;
        return parsed === kind && from <= start && start < to;
      }),
    );
  });

  it('group three consecutive months into each quarter', () => {
    fc.assert(
      fc.property(month, (m) => {
        const quarters = new Set<string>();
        const year = m.slice(0, 4);
        for (let i = 1; i <= 12; i++) quarters.add(periodOf(`${year}-${String(i).padStart(2, '0')}`, 'quarter'));
        return quarters.size === 4 && [...quarters].every((q) => q.startsWith(`${year}-Q`));
      }),
    );
  });
});
