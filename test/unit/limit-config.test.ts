import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFromEnv } from '../../src/config.ts';

describe('limit counter settings', () => {
  it('reads REDIS_URL, LICENTIA_LIMIT_COUNTERS and the key prefix, and refuses what cannot work', () => {
    const none = configFromEnv({});
    assert.equal(none.redisUrl, undefined);
    assert.equal(none.limitCounters, undefined, 'chosen at start-up by the database and REDIS_URL');
    assert.equal(none.redisKeyPrefix, 'licentia:limits:');
    const redis = configFromEnv({
      REDIS_URL: 'redis://:secret@cache:6379/2',
      LICENTIA_LIMIT_COUNTERS: 'redis',
      LICENTIA_REDIS_PREFIX: 'acme:',
    });
    assert.equal(redis.redisUrl, 'redis://:secret@cache:6379/2');
    assert.equal(redis.limitCounters, 'redis');
    assert.equal(redis.redisKeyPrefix, 'acme:');
    assert.throws(() => configFromEnv({ LICENTIA_LIMIT_COUNTERS: 'disk' }), /memory, postgres or redis/);
    assert.throws(
      () => configFromEnv({ REDIS_URL: 'http://:secret@cache' }),
      (error: Error) => /REDIS_URL must be redis:/.test(error.message) && !error.message.includes('secret'),
    );
  });
});
