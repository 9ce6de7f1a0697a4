import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type UpgradeNode, upgradeAllowed, upgradeCycle } from '../../src/domain/catalog.ts';
import { type LineItemTerms, termChanges } from '../../src/domain/lineage.ts';

const node = (id: string, name: string, version: string, upgradesFrom: string[] = []): UpgradeNode => ({
  id,
  name,
  version,
  upgradesFrom,
});

describe('upgrades', () => {
  const basic1 = node('b1', 'Basic', '1.0');
  const basic2 = node('b2', 'Basic', '2.0');
  const pro = node('p1', 'Pro', '1.0', ['b1']);

  it('go to a newer version of the same name, or to a product whose upgradesFrom names the current one', () => {
    assert.equal(upgradeAllowed(basic1, basic2), true);
    assert.equal(upgradeAllowed(basic2, basic1), false, 'not down');
    assert.equal(upgradeAllowed(basic1, pro), true);
    assert.equal(upgradeAllowed(basic2, pro), false, 'Pro lists Basic 1.0 only');
    assert.equal(upgradeAllowed(pro, basic1), false, 'not back');
    assert.equal(upgradeAllowed(basic1, basic1), false, 'not to itself');
    assert.equal(upgradeAllowed(basic1, node('b1', 'Basic', '1.0', ['b1'])), false, 'not to itself, whatever it lists');
  });

  it('find a circle through a product, also through newer versions of a name', () => {
    assert.equal(upgradeCycle([basic1, basic2, pro], 'b1'), null);
    assert.deepEqual(upgradeCycle([node('b1', 'Basic', '1.0', ['p1']), basic2, pro], 'b1'), ['b1', 'p1', 'b1']);
    const viaVersion = [node('b1', 'Basic', '1.0', ['p2']), basic2, node('p2', 'Pro', '1.0', ['b2'])];
    assert.deepEqual(upgradeCycle(viaVersion, 'b1'), ['b1', 'b2', 'p2', 'b1']);
    assert.deepEqual(upgradeCycle(viaVersion, 'p2'), ['p2', 'b1', 'b2', 'p2']);
    assert.equal(upgradeCycle(viaVersion, 'missing'), null);
    // A circle elsewhere is not this product's.
    const elsewhere = [node('x', 'X', '1', ['y']), node('y', 'Y', '1', ['x']), node('z', 'Z', '1', ['x'])];
    assert.equal(upgradeCycle(elsewhere, 'z'), null);
    assert.ok(upgradeCycle(elsewhere, 'x'));
  });

  it('a circle found is one the rule allows step by step; none found means none exists', () => {
    const catalogue = fc
      .array(
        fc.record({
          name: fc.constantFrom('A', 'B', 'C'),
          version: fc.constantFrom('1', '2', '3'),
          from: fc.array(fc.nat(5), { maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 6 },
      )
      .map((rows) =>
        rows.map((r, i) =>
          node(
            `n${i}`,
            r.name,
            r.version,
            [...new Set(r.from.filter((f) => f < rows.length && f !== i))].map((f) => `n${f}`),
          ),
        ),
      );
    fc.assert(
      fc.property(catalogue, (products) => {
        const byId = new Map(products.map((p) => [p.id, p]));
        // Reachability by brute force (Floyd–Warshall on the rule itself).
        const ids = products.map((p) => p.id);
        const reach = new Map(ids.map((a) => [a, new Set<string>()]));
        for (const a of products) for (const b of products) if (upgradeAllowed(a, b)) reach.get(a.id)?.add(b.id);
        for (const k of ids)
          for (const i of ids) if (reach.get(i)?.has(k)) for (const j of reach.get(k) ?? []) reach.get(i)?.add(j);
        for (const start of ids) {
          const cycle = upgradeCycle(products, start);
          assert.equal(cycle !== null, reach.get(start)?.has(start) ?? false, `cycle through ${start}`);
          if (!cycle) continue;
          assert.equal(cycle[0], start);
          assert.equal(cycle.at(-1), start);
          for (let i = 0; i + 1 < cycle.length; i++) {
            const [from, to] = [byId.get(cycle[i] as string), byId.get(cycle[i + 1] as string)];
            assert.ok(from && to && upgradeAllowed(from, to), `${cycle[i]} → ${cycle[i + 1]}`);
          }
        }
      }),
    );
  });
});

describe("a line item's version changes", () => {
  const terms: LineItemTerms = {
    productId: 'prd_a',
    quantity: 2,
    startDate: null,
    expirationDate: '2027-01-01',
    durationDays: 30,
    state: 'deployed',
  };

  it('list each field that differs, in a fixed order, and nothing else', () => {
    assert.deepEqual(termChanges(terms, { ...terms }), []);
    assert.deepEqual(termChanges(terms, { ...terms, state: 'obsolete', quantity: 5 }), [
      { field: 'quantity', from: 2, to: 5 },
      { field: 'state', from: 'deployed', to: 'obsolete' },
    ]);
    assert.deepEqual(termChanges(terms, { ...terms, expirationDate: null }), [
      { field: 'expirationDate', from: '2027-01-01', to: null },
    ]);
  });
});
