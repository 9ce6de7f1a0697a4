import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the TypeScript module `entry`. The sources run through tsx
 * (bin/licentia.js registers it), and a worker thread does not inherit the main thread's module
 * hooks: the thread registers them itself first.
 */
export function startTypeScriptThread(entry: URL, workerData?: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
