// The optional route table of forward-auth deployments (LATCHKEY_FORWARD_AUTH_ROUTES): which permission
// a forwarded request needs, by its method and path, so one proxy filter serves every route and the
// permission never comes from a per-route header or address.
import { UUID_PATTERN } from '../common/uuid-param';
import { isPermission, Permission } from '../authorization/permissions';

export interface ForwardAuthRoute {
  /** An upper-case method, or '*' for any. */
  method: string;
  /** Path segments below the prefix: a literal, '{workspaceId}', '{deviceId}', '*' (any one segment). */
  segments: string[];
  /** The pattern ended in '**': any further segments, or none. */
  rest: boolean;
  permission: Permission;
}

const METHOD = /^(\*|[A-Z]+)$/;
const LITERAL = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;

/**
 * Parses `METHOD /workspaces/{workspaceId}[/devices/{deviceId}]/… permission` entries separated by
 * commas or new lines, e.g. `GET /workspaces/{workspaceId}/devices/{deviceId}/measurements measurements:read`.
 * Every pattern starts with /workspaces/{workspaceId}, and {deviceId} may only follow /devices/, so a
 * route's permission always applies to the ids Latchkey reads from the same path. Throws a message
 * naming the entry.
 */
export function parseForwardAuthRoutes(text: string): ForwardAuthRoute[] {
  const routes: ForwardAuthRoute[] = [];
  for (const entry of text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const parts = entry.split(/\s+/);
    const fail = (why: string) => new Error(`LATCHKEY_FORWARD_AUTH_ROUTES entry "${entry}": ${why}`);
    if (parts.length !== 3) throw fail('must be METHOD /workspaces/{workspaceId}/… permission');
    const [method, pattern, permission] = parts;
    if (!METHOD.test(method)) throw fail('the method must be upper case, or *');
    if (!isPermission(permission)) throw fail(`${permission} is not a permission of the catalog`);
    if (!pattern.startsWith('/workspaces/{workspaceId}')) throw fail('the path must start with /workspaces/{workspaceId}');
    const segments = pattern.slice(1).split('/');
    let rest = false;
    if (segments[segments.length - 1] === '**') {
      segments.pop();
      rest = true;
    }
    segments.forEach((segment, index) => {
      if (segment === '{workspaceId}' && index === 1) return;
      if (segment === '{deviceId}' && index === 3 && segments[2] === 'devices') return;
      if (segment === '*' || LITERAL.test(segment)) return;
      throw fail(`segment "${segment}" is not a literal, *, ** at the end, {workspaceId} second or {deviceId} after /devices/`);
    });
    routes.push({ method, segments, rest, permission });
  }
  return routes;
}

/** The permission of the first route matching, or null. `path` is clean and below the prefix. */
export function routePermission(routes: readonly ForwardAuthRoute[], method: string, path: string): Permission | null {
  // Matched as the protected service most likely routes it: one trailing slash is no segment (Express's
  // and Fastify's default), and literals ignore case (ASP.NET's), else `/devices/{id}/` or `/DEVICES/{id}`
  // would miss the route for `/devices/{id}` and fall to a weaker catch-all (`**`) one.
  const trimmed = path.length > 1 && path.charCodeAt(path.length - 1) === 0x2f ? path.slice(0, -1) : path;
  const segments = trimmed.slice(1).split('/');
  for (const route of routes) {
    if (route.method !== '*' && route.method !== method) continue;
    if (route.rest ? segments.length < route.segments.length : segments.length !== route.segments.length) continue;
    if (route.segments.every((pattern, i) => matches(pattern, segments[i]))) return route.permission;
  }
  return null;
}

function matches(pattern: string, segment: string): boolean {
  if (pattern === '{workspaceId}' || pattern === '{deviceId}') return UUID_PATTERN.test(segment);
  if (pattern === '*') return segment !== '';
  return pattern.length === segment.length && pattern.toLowerCase() === segment.toLowerCase();
}
