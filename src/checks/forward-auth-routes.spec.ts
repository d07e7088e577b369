import { loadConfig } from '../config/app-config';
import { parseForwardAuthRoutes, routePermission } from './forward-auth-routes';

const W = '0b6f1d9e-2c4a-4f1b-9a3e-5d7c8e9f0a1b';
const D = '7d8f6b8e-1111-4000-8000-000000000001';

describe('forward-auth route table', () => {
  const routes = parseForwardAuthRoutes(`
    GET /workspaces/{workspaceId}/devices/{deviceId}/measurements measurements:read,
    POST /workspaces/{workspaceId}/devices/{deviceId}/measurements measurements:write
    DELETE /workspaces/{workspaceId}/devices/{deviceId} devices:delete
    * /workspaces/{workspaceId}/devices/{deviceId}/files/** devices:read
    GET /workspaces/{workspaceId}/devices devices:read
    GET /workspaces/{workspaceId}/*/summary devices:read
  `);

  it("gives the first matching route's permission by method and path, or null", () => {
    expect(routePermission(routes, 'GET', `/workspaces/${W}/devices/${D}/measurements`)).toBe('measurements:read');
    expect(routePermission(routes, 'POST', `/workspaces/${W}/devices/${D}/measurements`)).toBe('measurements:write');
    expect(routePermission(routes, 'PUT', `/workspaces/${W}/devices/${D}/measurements`)).toBeNull();
    expect(routePermission(routes, 'get', `/workspaces/${W}/devices/${D}/measurements`)).toBeNull();
    expect(routePermission(routes, 'DELETE', `/workspaces/${W}/devices/${D}`)).toBe('devices:delete');
    expect(routePermission(routes, 'DELETE', `/workspaces/${W}/devices/not-a-uuid`)).toBeNull();
    expect(routePermission(routes, 'PATCH', `/workspaces/${W}/devices/${D}/files`)).toBe('devices:read');
    expect(routePermission(routes, 'PATCH', `/workspaces/${W}/devices/${D}/files/a/b`)).toBe('devices:read');
    expect(routePermission(routes, 'GET', `/workspaces/${W}/devices`)).toBe('devices:read');
    // One trailing slash and the case of literals do not make another route (security review).
    expect(routePermission(routes, 'GET', `/workspaces/${W}/devices/`)).toBe('devices:read');
    expect(routePermission(routes, 'DELETE', `/workspaces/${W}/devices/${D}/`)).toBe('devices:delete');
    expect(routePermission(routes, 'DELETE', `/workspaces/${W}/DEVICES/${D}`)).toBe('devices:delete');
    expect(routePermission(routes, 'GET', `/workspaces/${W}/devices//`)).toBeNull();
    expect(routePermission(routes, 'GET', `/workspaces/${W}/anything/summary`)).toBe('devices:read');
    expect(routePermission(routes, 'GET', `/workspaces/${W}/devices/${D}/measurements/extra`)).toBeNull();
  });

  it('refuses at boot a table that could give a permission to ids Latchkey does not read', () => {
    for (const bad of [
      'GET /devices/{deviceId} devices:read',
      'GET /workspaces/{workspaceId}/things/{deviceId} devices:read',
      'GET /workspaces/{workspaceId}/devices/{deviceId} devices:fly',
      'get /workspaces/{workspaceId} devices:read',
      'GET /workspaces/{workspaceId}/../x devices:read',
      'GET /workspaces/{workspaceId}/**/x devices:read',
      'GET /workspaces/{workspaceId}',
      'GET /workspaces/{workspaceId}//x devices:read',
    ]) {
      expect(() => loadConfig({ LATCHKEY_FORWARD_AUTH_ROUTES: bad })).toThrow(/LATCHKEY_FORWARD_AUTH_ROUTES entry/);
    }
    expect(() => loadConfig({ LATCHKEY_FORWARD_AUTH_PATH_PREFIX: '/api/' })).toThrow(/LATCHKEY_FORWARD_AUTH_PATH_PREFIX/);
    expect(() => loadConfig({ LATCHKEY_FORWARD_AUTH_PATH_PREFIX: '/api/../x' })).toThrow(/LATCHKEY_FORWARD_AUTH_PATH_PREFIX/);
    expect(loadConfig({ LATCHKEY_FORWARD_AUTH_PATH_PREFIX: '/api/v2' }).forwardAuth).toEqual({ pathPrefix: '/api/v2', routes: [] });
  });
});
