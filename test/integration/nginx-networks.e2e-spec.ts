// A network-bound token behind real nginx auth_request: Latchkey trusts nginx (LATCHKEY_TRUST_PROXY)
// and judges the client address nginx forwards, overwriting whatever the client sent (docs/security.md).
// Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3). Skipped without nginx.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { freePort, nginxBinary, waitForPort } from '../support/nginx';
import { startTestApp, TestApp, listenOnLoopback } from '../support/test-app';

const NGINX = nginxBinary();
if (!NGINX) console.warn('nginx is not installed: the nginx network allow-list test is skipped');

function nginxConfig(dir: string, port: number, latchkeyPort: number, upstreamPort: number): string {
  return `
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream latchkey { server 127.0.0.1:${latchkeyPort}; }
  upstream device_data { server 127.0.0.1:${upstreamPort}; }
  server {
    listen 127.0.0.1:${port};
    location ~ "^/workspaces/(?<workspace_id>[0-9a-f-]{36})/data$" {
      if ($request_uri !~ "^/workspaces/[0-9a-f-]{36}/data$") { return 400; }
      auth_request /_latchkey_authorize;
      proxy_set_header Authorization "";
      proxy_pass http://device_data;
    }
    location = /_latchkey_authorize {
      internal;
      proxy_pass http://latchkey/v1/authorize?workspaceId=$workspace_id&permission=workspace:read;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Latchkey-Workspace-Id "";
      proxy_set_header Latchkey-Device-Id "";
      proxy_set_header Latchkey-Permission "";
      proxy_set_header X-Forwarded-Uri "";
      # The client as nginx saw it; the client's own X-Forwarded-For is overwritten, never appended to.
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
}

(NGINX ? describe : describe.skip)('nginx auth_request with a network-bound token', () => {
  let t: TestApp;
  let nginx: ChildProcess;
  let upstream: Server;
  let dir: string;
  let port: number;
  let workspaceId: string;
  let secret: string;

  beforeAll(async () => {
    // nginx reaches Latchkey from 127.0.0.1: that address alone is a trusted proxy.
    t = await startTestApp({ LATCHKEY_TRUST_PROXY: '127.0.0.1' });
    const latchkeyPort = await listenOnLoopback(t);
    upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'latchkey-nginx-net-'));
    port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, latchkeyPort, (upstream.address() as AddressInfo).port));
    nginx = spawn(NGINX as string, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off; master_process off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let nginxErrors = '';
    nginx.stderr?.on('data', (chunk) => (nginxErrors += chunk));
    await waitForPort(port).catch((error: Error) => {
      throw new Error(`${error.message}; nginx said: ${nginxErrors}`);
    });
    const ws = await newWorkspace(t);
    workspaceId = ws.id;
    secret = (
      await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'edge', scopes: ['*'], allowedCidrs: ['127.0.0.2/32'] })
        .expect(201)
    ).body.secret;
  }, 60_000);

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await new Promise((resolve) => upstream?.close(resolve));
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const from = (localAddress: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          localAddress,
          method: 'GET',
          path: `/workspaces/${workspaceId}/data`,
          headers: { ...bearer(secret), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('lets the client inside the list through, refuses one outside with 403, whatever X-Forwarded-For the client sends', async () => {
    expect(await from('127.0.0.2')).toBe(200);
    expect(await from('127.0.0.3')).toBe(403);
    expect(await from('127.0.0.3', { 'X-Forwarded-For': '127.0.0.2' })).toBe(403);
    expect(await from('127.0.0.2', { 'X-Forwarded-For': '203.0.113.9' })).toBe(200);
  });
});
