import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/**
 * A device fingerprint: SHA-256 (hex) of a few facts about the machine that stay put across
 * reboots, upgrades and renames. What goes in, and what makes it change, is documented in
 * src/client/README.md; keep the two in step, because a change here moves every device's
 * fingerprint and so every node-locked licence.
 */
export const FINGERPRINT_VERSION = 'licentia-fingerprint/1';

export const MACHINE_ID_PATHS = ['/etc/machine-id', '/var/lib/dbus/machine-id'] as const;

export interface FingerprintInputs {
  machineId: string | null;
  /** Only when there is no machine id, unless given explicitly: renaming a machine should not move its licence. */
  hostname: string | null;
  platform: string | null;
  arch: string | null;
  cpuModel: string | null;
  macAddresses: string[];
  extra: Record<string, string>;
}

/** Each input may be given (a value), left out (`null`) or read from the machine (absent). */
export interface FingerprintOptions {
  machineId?: string | null;
  hostname?: string | null;
  platform?: string | null;
  arch?: string | null;
  cpuModel?: string | null;
  macAddresses?: readonly string[] | null;
  /** Anything else the application knows identifies its device (a serial number, a tenant id). */
  extra?: Readonly<Record<string, string>>;
}

export function computeFingerprint(options: FingerprintOptions = {}): string {
  return fingerprintOf(fingerprintInputs(options));
}

/** The fingerprint of given inputs; `computeFingerprint` is `fingerprintOf(fingerprintInputs(options))`. */
export function fingerprintOf(inputs: FingerprintInputs): string {
  const pairs: [string, string][] = [];
  for (const name of ['machineId', 'hostname', 'platform', 'arch', 'cpuModel'] as const) {
    const value = inputs[name];
    if (value !== null) pairs.push([name, value]);
  }
  if (inputs.macAddresses.length > 0) pairs.push(['macAddresses', inputs.macAddresses.join(',')]);
  for (const name of Object.keys(inputs.extra).sort()) pairs.push([`extra.${name}`, inputs.extra[name] as string]);
  return createHash('sha256')
    .update(JSON.stringify([FINGERPRINT_VERSION, ...pairs]))
    .digest('hex');
}

/** What the fingerprint is made of on this machine, after the options are applied: for support and debugging. */
export function fingerprintInputs(options: FingerprintOptions = {}): FingerprintInputs {
  const machineId = clean(options.machineId === undefined ? readMachineId() : options.machineId);
  const hostname =
    options.hostname === undefined ? (machineId === null ? clean(os.hostname()) : null) : clean(options.hostname);
  return {
    machineId,
    hostname,
    platform: clean(options.platform === undefined ? os.platform() : options.platform),
    arch: clean(options.arch === undefined ? os.arch() : options.arch),
    cpuModel: clean(options.cpuModel === undefined ? (os.cpus()[0]?.model ?? null) : options.cpuModel),
    macAddresses: normalizeMacs(options.macAddresses === undefined ? readMacAddresses() : (options.macAddresses ?? [])),
    extra: { ...options.extra },
  };
}

function clean(value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.trim().replace(/\s+/g, ' ');
  return trimmed.length > 0 ? trimmed : null;
}

function readMachineId(): string | null {
  for (const path of MACHINE_ID_PATHS) {
    try {
      const id = readFileSync(path, 'utf8').trim();
      // systemd writes "uninitialized" until first boot completes; that is not an identity.
      if (id.length > 0 && id !== 'uninitialized') return id;
    } catch {
      // Not Linux, or not readable: the next source, then the hostname.
    }
  }
  return null;
}

/**
 * On Linux, the permanent NICs only (those backed by a device in /sys/class/net): bridges, veth
 * pairs, VPN and Docker interfaces come and go and must not move the fingerprint. Elsewhere,
 * whatever non-internal interfaces the OS reports.
 */
function readMacAddresses(): string[] {
  const sys = '/sys/class/net';
  if (os.platform() === 'linux' && existsSync(sys)) {
    try {
      return readdirSync(sys)
        .filter((name) => existsSync(join(sys, name, 'device')))
        .flatMap((name) => {
          try {
            return [readFileSync(join(sys, name, 'address'), 'utf8')];
          } catch {
            return [];
          }
        });
    } catch {
      // Fall through to what the OS reports.
    }
  }
  return Object.values(os.networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((a) => !a.internal)
    .map((a) => a.mac);
}

function normalizeMacs(macs: readonly string[]): string[] {
  const normalized = macs
    .map((m) => m.trim().toLowerCase().replaceAll('-', ':'))
    .filter((m) => m.length > 0 && !/^[0:]+$/.test(m));
  return [...new Set(normalized)].sort();
}
