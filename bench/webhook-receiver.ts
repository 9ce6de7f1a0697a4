/**
 * A webhook receiver for bench/webhooks.ts, in its own process so that the load generator does not
 * delay it: answers 204 at once and records, per delivery, how long after the event's commit it
 * arrived. Prints its URL; on a line "report" on stdin prints the lags (ms) and forgets them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

let lags: number[] = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const arrived = Date.now();
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
    lags.push(arrived - Date.parse(event.timestamp));
    response.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` })}\n`,
  );
});
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'report') return;
  process.stdout.write(`${JSON.stringify({ lags })}\n`);
  lags = [];
});
