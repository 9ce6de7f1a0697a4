/**
 * The floor of `npm run bench`'s validation figures: a bare Fastify route on the same Node, answering
 * a fixed JSON body the size of a validation answer. Started as its own process, like the server.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const answer = { valid: true, code: 'VALID', id: 'act_0193a7c2e4d87b3a9f1c2d3e4f5a6b7c', expiresAt: null, test: false };
app.post('/api/v1/licenses/validate', async () => answer);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` })}\n`,
);
