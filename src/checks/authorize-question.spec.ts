import { DomainError } from '../common/errors';
import { AuthorizeRequest, readAuthorizeQuestion } from './authorize-question';

const W = '0b6f1d9e-2c4a-4f1b-9a3e-5d7c8e9f0a1b';
const D = '7d8f6b8e-1111-4000-8000-000000000001';

/** The raw target of a parsed query, as the client would have sent it (a repeated key twice). */
function targetOf(query: Record<string, unknown>): string {
  const pairs = Object.entries(query).flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${key}=${String(v)}`));
  return pairs.length === 0 ? '/v1/authorize' : `/v1/authorize?${pairs.join('&')}`;
}

const read = (request: Partial<AuthorizeRequest>, prefix = '') =>
  readAuthorizeQuestion(
    { method: 'GET', url: targetOf((request.query ?? {}) as Record<string, unknown>), query: {}, headers: {}, ...request },
    { pathPrefix: prefix, routes: [] },
  );

/** The field a 400 names, or 'allowed' with the question. */
function outcome(request: Partial<AuthorizeRequest>, prefix = ''): unknown {
  try {
    return read(request, prefix);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return error.extras.errors?.[0].field;
  }
}

describe('C1: readAuthorizeQuestion', () => {
  it('plain mode: the query only, in lower case, an empty deviceId meaning every device', () => {
    expect(read({ query: { workspaceId: W.toUpperCase(), permission: 'devices:read', deviceId: D } })).toEqual({
      workspaceId: W,
      permission: 'devices:read',
      deviceId: D,
    });
    expect(read({ query: { workspaceId: W, permission: 'devices:read', deviceId: '' } }).deviceId).toBeNull();
    expect(outcome({ query: { workspaceId: [W, W], permission: 'devices:read' } })).toBe('query');
    expect(outcome({ query: { workspaceId: W, permission: ['devices:read', 'devices:read'] } })).toBe('query');
    // Even where the raw query were not counted, a repeated key is an array, never one value.
    expect(outcome({ url: '/v1/authorize?a=1', query: { workspaceId: [W, W] } })).toBe('workspaceId');
    expect(outcome({ url: '/v1/authorize?a=1&b=2', query: { workspaceId: W, permission: ['devices:read', 'devices:read'] } })).toBe(
      'permission',
    );
    expect(outcome({ query: { workspaceId: W, permission: 'devices:read', deviceId: ' ' } })).toBe('deviceId');
    expect(outcome({ query: { workspaceId: W, permission: 'devices:read', extra: '1' } })).toBe('query');
    expect(outcome({ query: { workspaceId: W, permission: 'devices:read' }, headers: { 'latchkey-permission': 'devices:read' } })).toBe(
      'Latchkey-Permission',
    );
    // The raw query is what counts: a pair the parser dropped or merged is still a pair.
    expect(
      outcome({ url: `/v1/authorize?workspaceId=${W}&permission=devices:read&`, query: { workspaceId: W, permission: 'devices:read' } }),
    ).toBe('query');
    expect(
      outcome({ url: `/v1/authorize?workspaceId=${W}&&permission=devices:read`, query: { workspaceId: W, permission: 'devices:read' } }),
    ).toBe('query');
    expect(outcome({ url: '/v1/authorize?', query: {} })).toBe('workspaceId');
  });

  it('never reads Latchkey-Workspace-Id or Latchkey-Device-Id, in any mode', () => {
    for (const header of ['latchkey-workspace-id', 'latchkey-device-id']) {
      for (const url of ['/v1/authorize', `/v1/authorize/workspaces/${W}`]) {
        expect(outcome({ url, query: { workspaceId: W, permission: 'devices:read' }, headers: { [header]: W } })).toMatch(/^Latchkey-/);
      }
    }
  });

  it('forwarded path: anchored at the prefix, query cut off, permission from the header', () => {
    const envoy = (path: string, prefix = '/api') =>
      outcome({ url: `/v1/authorize${path}`, query: { workspaceId: W }, headers: { 'latchkey-permission': 'devices:read' } }, prefix);
    expect(envoy(`/api/workspaces/${W}/devices/${D}/measurements?workspaceId=x`)).toEqual({
      workspaceId: W,
      permission: 'devices:read',
      deviceId: D,
    });
    expect(envoy(`/api/workspaces/${W}`)).toEqual({ workspaceId: W, permission: 'devices:read', deviceId: null });
    expect(envoy(`/api/workspaces/${W}/`)).toEqual({ workspaceId: W, permission: 'devices:read', deviceId: null });
    expect(envoy(`/api/workspaces/${W}/devices/${D}x`)).toEqual({ workspaceId: W, permission: 'devices:read', deviceId: null });
    expect(envoy(`/workspaces/${W}/devices/${D}`, '')).toEqual({ workspaceId: W, permission: 'devices:read', deviceId: D });
    for (const bad of [
      `/workspaces/${W}`,
      `/api/workspaces/${W}x`,
      `/api/workspaces/${W.slice(1)}`,
      `/api/workspaces/${W}/devices/${D}/../x`,
      `/api/workspaces/${W}/devices/${D}/.`,
      `/api/workspaces/${W}/devices/${D}/%2E%2e`,
      `/api/workspaces/${W}/devices/${D}/%25`,
      `/api/workspaces/${W}/devices/${D}/%2`,
      `/api/workspaces/${W}/devices/${D}/%0a`,
      `/api/workspaces/${W}/devices/${D}/%7F`,
      `/api/workspaces/${W}/devices/${D}/%3b`,
      `/api/workspaces/${W}/devices/${D}\\x`,
      `/api/workspaces/${W}/devices/${D}/a b`,
      `/api/workspaces/${W}/devices/${D}/é`,
      `/api/workspaces/${W}/devices/${D}/\u2025`,
      `/api/workspaces/${W}/devices/${D}#x`,
      `/api/workspaces/${W}/devices/${D}/${'a'.repeat(5000)}`,
    ]) {
      expect({ bad, field: envoy(bad) }).toEqual({ bad, field: 'path' });
    }
    expect(outcome({ url: `/v1/authorize/workspaces/${W}`, headers: { 'latchkey-permission': 'devices:read, devices:read' } })).toBe(
      'Latchkey-Permission',
    );
    expect(
      outcome({
        url: `/v1/authorize/workspaces/${W}`,
        headers: { 'latchkey-permission': 'devices:read', 'x-forwarded-uri': `/workspaces/${W}` },
      }),
    ).toBe('X-Forwarded-Uri');
    // Percent-encoded non-ASCII is fine; an encoded letter, digit, -, _ or ~ reads differently upstream (400).
    expect(envoy(`/api/workspaces/${W}/devices/${D}/caf%C3%A9`)).toMatchObject({ deviceId: D });
    expect(envoy(`/api/workspaces/${W}/devices/%37${D.slice(1)}`)).toBe('path');
    expect(envoy(`/api/workspaces/${W}/%64evices/${D}`)).toBe('path');
    expect(envoy(`/api/workspaces/${W}/devices/${D}/a%7Eb`)).toBe('path');
  });

  it('forwarded URI: ids from X-Forwarded-Uri, the permission from the address query only', () => {
    const traefik = (uri: string | string[], query: Record<string, unknown> = { permission: 'devices:read' }, headers = {}) =>
      outcome({ url: '/v1/authorize?permission=devices:read', query, headers: { 'x-forwarded-uri': uri, ...headers } });
    expect(traefik(`/workspaces/${W}/devices/${D}?workspaceId=x`)).toEqual({ workspaceId: W, permission: 'devices:read', deviceId: D });
    expect(traefik([`/workspaces/${W}`, `/workspaces/${W}`])).toBe('X-Forwarded-Uri');
    expect(traefik(`/workspaces/${W}`, { permission: 'devices:read', workspaceId: W })).toBe('workspaceId');
    expect(traefik(`/workspaces/${W}`, {})).toBe('permission');
    expect(traefik(`/workspaces/${W}`, { permission: 'devices:read' }, { 'latchkey-permission': 'devices:read' })).toBe(
      'Latchkey-Permission',
    );
    expect(traefik('')).toBe('X-Forwarded-Uri');
    expect(traefik(`http://evil/workspaces/${W}`)).toBe('X-Forwarded-Uri');
  });

  it('refuses a target that is not /v1/authorize or below it', () => {
    expect(outcome({ url: '/v1/authorizeX?workspaceId=1' })).toBe('path');
    expect(outcome({ url: `/other/workspaces/${W}` })).toBe('path');
  });
});
