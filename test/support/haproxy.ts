import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli.ts';

export interface Balancer {
  url: string;
  /** The configuration it runs with, as documented in docs/operations.md. */
  config: string;
  stop(): Promise<void>;
}

/**
 * HAProxy (Debian's package) in front of `servers` on loopback: round robin, health checks on
 * /readyz, and a request whose connection to a server fails is sent to another.
 */
export async function startHaproxy(servers: string[]): Promise<Balancer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'licentia-haproxy-'));
  const config = haproxyConfig(port, servers);
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
    const up = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 200) throw new Error(`haproxy did not come up: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    config,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function haproxyConfig(port: number, servers: string[]): string {
  const lines = servers.map((server, i) => {
    const { hostname, port: serverPort } = new URL(server);
    return `    server licentia${i + 1} ${hostname}:${serverPort} check inter 1s fall 2 rise 2`;
  });
  return `global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 2s
    option http-server-close
    # A request whose connection to a server fails goes to another one; one that reached a server
    # is never sent twice (activations are not idempotent).
    retries 2
    option redispatch
    retry-on conn-failure

frontend licentia
    bind 127.0.0.1:${port}
    option forwardfor
    unique-id-format %{+X}o%ci-%cp-%Ts-%rt-%pid
    http-request set-header X-Request-Id %[unique-id] unless { req.hdr(x-request-id) -m found }
    default_backend servers

backend servers
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
${lines.join('\n')}
`;
}
