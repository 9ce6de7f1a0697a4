import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WriterTurns } from '../../src/store/writer-turns.ts';

/** Which of `promises` settle within a few milliseconds, by index. */
async function settled(promises: Promise<unknown>[]): Promise<number[]> {
  const done: number[] = [];
  for (const [i, p] of promises.entries())
    p.then(() => {
      done.push(i);
    });
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
}

it('a waiting helper thread gets the write lock before the serving thread begins again', async () => {
  const serving = new WriterTurns();
  const helper = new WriterTurns(serving.buffer, 'helper');
  await serving.acquire();
  const helperTurn = helper.acquire();
  assert.deepEqual(await settled([helperTurn]), [], 'it waits while the lock is held');
  // The serving thread's next batch begins the moment its last one ends, before the helper's thread runs.
  serving.release();
  const servingAgain = serving.acquire();
  assert.deepEqual(await settled([helperTurn, servingAgain]), [0], 'the helper goes first');
  helper.release();
  assert.deepEqual(await settled([servingAgain]), [0], 'then the serving thread');
  serving.release();
});

it('the serving thread takes turns after another without waiting when no helper waits', async () => {
  const serving = new WriterTurns();
  for (let i = 0; i < 3; i++) {
    await serving.acquire();
    serving.release();
  }
  const helper = new WriterTurns(serving.buffer, 'helper');
  await helper.acquire();
  const servingTurn = serving.acquire();
  assert.deepEqual(await settled([servingTurn]), [], 'it waits for the helper that holds the lock');
  helper.release();
  assert.deepEqual(await settled([servingTurn]), [0]);
  serving.release();
});
