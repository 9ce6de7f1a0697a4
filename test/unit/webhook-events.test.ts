import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  eventTypeOf,
  signature,
  subscribes,
  unknownPatterns,
  unpublishedActions,
  webhookEventTypes,
} from '../../src/domain/webhooks.ts';
import { isPublicAddress, urlProblem } from '../../src/services/webhooks/safe-target.ts';
import { Webhook } from 'standardwebhooks';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every audited action written in the services, literal or from a template's known values. */
function auditedActions(): Set<string> {
  const actions = new Set<string>();
  for (const file of sources('src/services')) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/action: '([a-z-]+\.[a-z-]+)'/g)) actions.add(match[1] as string);
  }
  for (const state of ['returned', 'revoked']) actions.add(`activation.${state}`);
  for (const op of ['renewed', 'upsold', 'upgraded', 'split', 'transferred']) actions.add(`line-item.${op}`);
  return actions;
}

test('every audited action is either a published event type or deliberately unpublished', () => {
  const undecided = [...auditedActions()].filter(
    (action) => !eventTypeOf(action) && !(unpublishedActions as readonly string[]).includes(action),
  );
  assert.deepEqual(undecided, []);
});

test('every event type is the name of an audited action', () => {
  const published = new Set([...auditedActions()].map((action) => eventTypeOf(action)));
  const orphans = Object.keys(webhookEventTypes).filter((type) => !published.has(type as never));
  assert.deepEqual(orphans, []);
});

test('subscriptions take exact types and group wildcards, and nothing else', () => {
  assert.ok(subscribes(['activation.*'], 'activation.created'));
  assert.ok(subscribes(['activation.created'], 'activation.created'));
  assert.ok(!subscribes(['activation.created'], 'activation.returned'));
  assert.ok(!subscribes(['activation.*'], 'line_item.split'));
  assert.ok(!subscribes(['*'], 'activation.created'));
  assert.deepEqual(unknownPatterns(['activation.*', 'line_item.split', 'nope.*', 'activation.exploded', '*']), [
    'nope.*',
    'activation.exploded',
    '*',
  ]);
});

test('signatures follow Standard Webhooks (verified with its own package)', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const body = '{"id":"evt_1","type":"ping"}';
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': '' };
  headers['webhook-signature'] = signature(secret, 'msg_1', timestamp, body);
  assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
  assert.throws(() => new Webhook(secret).verify(`${body} `, headers));
});

test('private, loopback, link-local and metadata addresses are not public', () => {
  for (const address of ['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.1.1']) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of ['::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe']) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(isPublicAddress(address), true, address);
  }
  assert.equal(isPublicAddress('not an address'), false);
});

test('URLs: https only, no credentials, no private literals unless allowed', () => {
  assert.equal(urlProblem('https://93.184.215.14/x', false), undefined);
  assert.match(urlProblem('http://93.184.215.14/x', false) ?? '', /https/);
  assert.equal(urlProblem('http://127.0.0.1:8080/x', true), undefined);
  assert.match(urlProblem('https://u:p@93.184.215.14/x', false) ?? '', /user name/);
  assert.match(urlProblem('https://[::1]/x', false) ?? '', /loopback/);
  assert.match(urlProblem('https://0177.0.0.1/x', false) ?? '', /loopback/);
});
