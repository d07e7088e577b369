// Real nginx (Debian's package) in front of a small upstream, asking Latchkey through auth_request:
// the configuration docs/integration.md shows. Skipped, saying so, where nginx is not installed.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, builtInRoles, createWorkspace, registerUser } from '../support/api';
import { freePort, nginxBinary, waitForPort } from '../support/nginx';
import { startTestApp, TestApp, listenOnLoopback } from '../support/test-app';

const NGINX = nginxBinary();
if (!NGINX) console.warn('nginx is not installed: the nginx auth_request test is skipped (bash .ci/run installs it)');

/** The nginx configuration of docs/integration.md, with this test's ports and folders. */
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

  upstream latchkey { server 127.0.0.1:${latchkeyPort}; keepalive 16; }
  upstream device_data { server 127.0.0.1:${upstreamPort}; }

  server {
    listen 127.0.0.1:${port};

    # GET /workspaces/{workspaceId}/devices/{deviceId}/measurements needs measurements:read on that device.
    location ~ "^/workspaces/(?<workspace_id>[0-9a-f-]{36})/devices/(?<device_id>[0-9a-f-]{36})/measurements$" {
      # The location matched the decoded, normalised path; the upstream gets the raw one. Refuse any
      # request whose raw path is not already in that shape (dot-segments, //, %-encoding, ;), so both
      # read the same ids.
      if ($request_uri !~ "^/workspaces/[0-9a-f-]{36}/devices/[0-9a-f-]{36}/measurements(\\?|$)") { return 400; }
      set $permission measurements:read;
      if ($request_method != GET) { set $permission measurements:write; }
      auth_request /_latchkey_authorize;
      auth_request_set $latchkey_principal_id $upstream_http_latchkey_principal_id;
      auth_request_set $latchkey_principal_type $upstream_http_latchkey_principal_type;
      proxy_set_header Latchkey-Principal-Id $latchkey_principal_id;
      proxy_set_header Latchkey-Principal-Type $latchkey_principal_type;
      proxy_set_header Authorization "";
      proxy_pass http://device_data;
    }

    location = /_latchkey_authorize {
      internal;
      # The question is built here from the location's captures; the caller's query is not passed on.
      proxy_pass http://latchkey/v1/authorize?workspaceId=$workspace_id&permission=$permission&deviceId=$device_id;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      # The subrequest carries the caller's headers: drop every one Latchkey could read as the question.
      proxy_set_header Latchkey-Workspace-Id "";
      proxy_set_header Latchkey-Device-Id "";
      proxy_set_header Latchkey-Permission "";
      proxy_set_header X-Forwarded-Uri "";
    }
  }
}
`;
}

(NGINX ? describe : describe.skip)('nginx auth_request in front of a device-data service', () => {
  let t: TestApp;
  let nginx: ChildProcess;
  let upstream: Server;
  let dir: string;
  let port: number;
  const reached: IncomingHttpHeaders[] = [];
  let ws: { id: string };
  let d1: string;
  let d2: string;
  let botSecret: string;
  let botId: string;
  let botTokenId: string;
  let ownerSecret: string;

  beforeAll(async () => {
    t = await startTestApp();
    const latchkeyPort = await listenOnLoopback(t);

    upstream = createServer((req, res) => {
      reached.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ measurements: [21.5] }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;

    dir = mkdtempSync(join(tmpdir(), 'latchkey-nginx-'));
    port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, latchkeyPort, upstreamPort));
    // Without a master process nginx neither forks nor changes user: it stays this test's child.
    nginx = spawn(NGINX as string, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off; master_process off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let nginxErrors = '';
    nginx.stderr?.on('data', (chunk) => (nginxErrors += chunk));
    await waitForPort(port).catch((error: Error) => {
      throw new Error(`${error.message}; nginx said: ${nginxErrors}`);
    });

    const owner = await registerUser(t);
    ws = await createWorkspace(t, owner.personalToken, 'Greenhouse');
    const roles = await builtInRoles(t, owner.personalToken, ws.id);
    d1 = (
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/devices`)
        .set(bearer(owner.personalToken))
        .send({ name: 'one', serial: 'N1' })
        .expect(201)
    ).body.id;
    d2 = (
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/devices`)
        .set(bearer(owner.personalToken))
        .send({ name: 'two', serial: 'N2' })
        .expect(201)
    ).body.id;
    const bot = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(owner.personalToken))
      .send({ name: 'Dashboard', roleIds: [roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [d1] } })
      .expect(201);
    botSecret = bot.body.token.secret;
    botTokenId = bot.body.token.id;
    botId = bot.body.apiUser.id;
    ownerSecret = owner.personalToken;
  }, 60_000);

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await new Promise((resolve) => upstream?.close(resolve));
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A request sent byte for byte (fetch would resolve dot-segments before sending). */
  const raw = (path: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'GET', path, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });

  const measurements = (deviceId: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`http://127.0.0.1:${port}/workspaces/${ws.id}/devices/${deviceId}/measurements`, { method, headers });

  it('lets an allowed API-user token through, with the principal headers and without the token', async () => {
    reached.length = 0;
    const res = await measurements(d1, bearer(botSecret));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ measurements: [21.5] });
    expect(reached).toHaveLength(1);
    expect(reached[0]['latchkey-principal-id']).toBe(botId);
    expect(reached[0]['latchkey-principal-type']).toBe('api_user');
    expect(reached[0].authorization).toBeUndefined();
  });

  it('refuses another device with 403, and the upstream never sees the request', async () => {
    reached.length = 0;
    expect((await measurements(d2, bearer(botSecret))).status).toBe(403);
    expect(reached).toHaveLength(0);
  });

  it('refuses a write the token may not make, with 403', async () => {
    reached.length = 0;
    expect((await measurements(d1, bearer(botSecret), 'POST')).status).toBe(403);
    expect(reached).toHaveLength(0);
  });

  it('refuses no token and a garbage token with 401, and the upstream never sees them', async () => {
    reached.length = 0;
    expect((await measurements(d1)).status).toBe(401);
    expect((await measurements(d1, bearer('lka_not-a-token'))).status).toBe(401);
    expect(reached).toHaveLength(0);
  });

  it('C1: client-sent Latchkey-* and X-Forwarded-Uri headers change nothing, and forged principal headers never reach the upstream', async () => {
    const forged = {
      'Latchkey-Workspace-Id': ws.id,
      'Latchkey-Device-Id': d1,
      'Latchkey-Permission': 'measurements:read',
      'X-Forwarded-Uri': `/workspaces/${ws.id}/devices/${d1}/measurements`,
      'Latchkey-Principal-Id': 'someone-else',
    };
    reached.length = 0;
    expect((await measurements(d2, { ...bearer(botSecret), ...forged })).status).toBe(403);
    expect((await measurements(d1, { ...bearer(botSecret), ...forged }, 'POST')).status).toBe(403);
    expect(reached).toHaveLength(0);
    expect((await measurements(d1, { ...bearer(botSecret), ...forged })).status).toBe(200);
    expect(reached).toHaveLength(1);
    expect(reached[0]['latchkey-principal-id']).toBe(botId);
  });

  it('C1: a query appended by the caller never chooses the workspace, device or permission', async () => {
    reached.length = 0;
    const own = `workspaceId=${ws.id}&deviceId=${d1}&permission=measurements:read`;
    expect(await raw(`/workspaces/${ws.id}/devices/${d2}/measurements?${own}`, bearer(botSecret))).toBe(403);
    expect(await raw(`/workspaces/${ws.id}/devices/${d2}/measurements?deviceId=${d1}&deviceId=${d1}`, bearer(botSecret))).toBe(403);
    expect(reached).toHaveLength(0);
  });

  it('C1: dot-segments, doubled slashes, ";" and encoded paths never reach the upstream', async () => {
    reached.length = 0;
    const base = `/workspaces/${ws.id}/devices`;
    const paths = [
      // Normalised, these name d1 (allowed); raw, an upstream that does not normalise would read d2.
      `${base}/${d2}/../${d1}/measurements`,
      `${base}/${d2}/%2e%2e/${d1}/measurements`,
      `${base}/${d2}%2F..%2F${d1}/measurements`,
      `${base}/${d2}/./../${d1}/measurements`,
      `/workspaces/${ws.id}//devices/${d1}/measurements`,
      `//workspaces/${ws.id}/devices/${d1}/measurements`,
      `${base}/${d1};/measurements`,
      `${base}/${d1}/measurements;x`,
      `${base}/%64${d1.slice(1)}/measurements`,
    ];
    for (const path of paths) {
      const status = await raw(path, bearer(botSecret));
      expect({ path, allowed: status < 300 }).toEqual({ path, allowed: false });
    }
    expect(reached).toHaveLength(0);
    // The clean path still works.
    expect(await raw(`${base}/${d1}/measurements?from=0`, bearer(botSecret))).toBe(200);
  });

  it('refuses a token revoked a moment ago', async () => {
    expect((await measurements(d1, bearer(botSecret))).status).toBe(200);
    await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${botId}/tokens/${botTokenId}`).set(bearer(ownerSecret)).expect(204);
    reached.length = 0;
    expect((await measurements(d1, bearer(botSecret))).status).toBe(401);
    expect(reached).toHaveLength(0);
    expect(readFileSync(join(dir, 'error.log'), 'utf8')).not.toMatch(/\[(crit|alert|emerg)\]/);
  });
});
