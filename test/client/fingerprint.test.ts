import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { describe, it } from 'node:test';
import {
  computeFingerprint,
  FINGERPRINT_VERSION,
  fingerprintInputs,
  fingerprintOf,
} from '../../src/client/fingerprint.ts';

const fixed = {
  machineId: '3d1217a5e1b04c0f9f4b3f0d7a9e2c11',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'AMD EPYC 7B13',
  macAddresses: ['02:42:AC:11:00:02', '00:16:3e:5a:01:ff'],
};

describe('device fingerprints', () => {
  it('are a stable SHA-256 over the machine', () => {
    const first = computeFingerprint();
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(computeFingerprint(), first);
    assert.equal(fingerprintOf(fingerprintInputs()), first);
    const inputs = fingerprintInputs();
    assert.equal(inputs.platform, os.platform());
    assert.equal(inputs.arch, os.arch());
  });

  it('are the documented hash of the documented inputs', () => {
    const expected = createHash('sha256')
      .update(
        JSON.stringify([
          FINGERPRINT_VERSION,
          ['machineId', fixed.machineId],
          ['platform', 'linux'],
          ['arch', 'x64'],
          ['cpuModel', 'AMD EPYC 7B13'],
          ['macAddresses', '00:16:3e:5a:01:ff,02:42:ac:11:00:02'],
          ['extra.serial', 'SN-1'],
        ]),
      )
      .digest('hex');
    assert.equal(computeFingerprint({ ...fixed, extra: { serial: 'SN-1' } }), expected);
  });

  it('do not depend on the order or spelling of MAC addresses, nor on whitespace', () => {
    const a = computeFingerprint(fixed);
    assert.equal(
      computeFingerprint({ ...fixed, macAddresses: ['00-16-3E-5A-01-FF', ' 02:42:ac:11:00:02', '02:42:ac:11:00:02'] }),
      a,
    );
    assert.equal(computeFingerprint({ ...fixed, macAddresses: [...fixed.macAddresses, '00:00:00:00:00:00', ''] }), a);
    assert.equal(computeFingerprint({ ...fixed, cpuModel: '  AMD EPYC   7B13 ' }), a);
  });

  it('ignore the hostname when there is a machine id, and use it when there is none', () => {
    const withId = computeFingerprint(fixed);
    assert.equal(fingerprintInputs(fixed).hostname, null);
    assert.notEqual(computeFingerprint({ ...fixed, hostname: 'renamed' }), withId, 'unless given explicitly');
    const noId = { ...fixed, machineId: null };
    assert.equal(fingerprintInputs(noId).hostname, os.hostname());
    assert.notEqual(computeFingerprint({ ...noId, hostname: 'a' }), computeFingerprint({ ...noId, hostname: 'b' }));
  });

  it('change with each input, and leave out what is set to null', () => {
    const base = computeFingerprint(fixed);
    const variants = [
      { machineId: 'another' },
      { platform: 'win32' },
      { arch: 'arm64' },
      { cpuModel: 'Apple M3' },
      { macAddresses: ['00:16:3e:5a:01:ff'] },
      { macAddresses: null },
      { cpuModel: null },
      { extra: { tenant: 't1' } },
    ];
    const seen = new Set([base]);
    for (const v of variants) seen.add(computeFingerprint({ ...fixed, ...v }));
    assert.equal(seen.size, variants.length + 1, 'every variant differs from the base and from each other');
    assert.equal(
      computeFingerprint({ ...fixed, macAddresses: null }),
      computeFingerprint({ ...fixed, macAddresses: [] }),
    );
    assert.equal(
      computeFingerprint({ ...fixed, extra: { b: '2', a: '1' } }),
      computeFingerprint({ ...fixed, extra: { a: '1', b: '2' } }),
    );
  });

  it('are not confused by inputs that would collide if simply concatenated', () => {
    const a = computeFingerprint({ ...fixed, platform: 'linuxx', arch: '64' });
    const b = computeFingerprint({ ...fixed, platform: 'linux', arch: 'x64' });
    assert.notEqual(a, b);
    assert.notEqual(
      computeFingerprint({ ...fixed, extra: { 'a,b': 'c' } }),
      computeFingerprint({ ...fixed, extra: { a: 'b,c' } }),
    );
  });
});
