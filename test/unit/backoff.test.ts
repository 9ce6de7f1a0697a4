import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JITTER, retryDelay, scheduleSpan, webhookRetrySchedule } from '../../src/domain/backoff.ts';

test('each wait of the webhook schedule stays within its jitter, and the schedule ends', () => {
  webhookRetrySchedule.forEach((base, index) => {
    for (const random of [0, 0.5, 0.999999]) {
      const wait = retryDelay(webhookRetrySchedule, index + 1, random);
      assert.ok(wait !== undefined && wait >= base * (1 - JITTER) - 1 && wait <= base * (1 + JITTER) + 1);
    }
  });
  assert.equal(retryDelay(webhookRetrySchedule, webhookRetrySchedule.length + 1, 0.5), undefined);
});

test('the webhook schedule spans about three days', () => {
  const days = scheduleSpan(webhookRetrySchedule) / 86_400_000;
  assert.ok(days > 2.9 && days < 3.5, `${days} days`);
});

test('waits grow: no later attempt comes sooner than an earlier one without jitter', () => {
  for (let i = 1; i < webhookRetrySchedule.length; i++) {
    assert.ok((webhookRetrySchedule[i] ?? 0) >= (webhookRetrySchedule[i - 1] ?? 0));
  }
});
