import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postalAddressLines, readPostalAddress, writePostalAddress } from '../../src/domain/entitlements.ts';

describe('postal addresses', () => {
  it('reads an address stored as free text (before addresses had fields) as its lines', () => {
    assert.deepEqual(readPostalAddress('1 Main St\r\n\nSpringfield '), {
      lines: ['1 Main St', 'Springfield'],
      city: null,
      postalCode: null,
      region: null,
      country: null,
    });
    assert.deepEqual(readPostalAddress('{not json')?.lines, ['{not json']);
    assert.equal(readPostalAddress(null), null);
  });

  it('round-trips the fields and shows them as lines a person reads', () => {
    const address = { lines: ['Hauptstraße 5'], city: 'München', postalCode: '80331', region: null, country: 'DE' };
    assert.deepEqual(readPostalAddress(writePostalAddress(address)), address);
    assert.deepEqual(postalAddressLines(address), ['Hauptstraße 5', '80331 München', 'DE']);
  });
});
