// Every HTTP route of the application with the access rule it declares, read from Nest's metadata.
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_RULE, AccessRule } from '../../src/auth/access.decorators';
import { describeAccessRule } from '../../src/auth/access-rule-description';
import { API_PREFIX, UNPREFIXED_ROUTES } from '../../src/app.setup';

export interface RouteEntry {
  method: string;
  path: string;
  rule: AccessRule | undefined;
}

const join = (...parts: string[]) =>
  '/' +
  parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');

export function routeTable(app: INestApplication): RouteEntry[] {
  const discovery = app.get(DiscoveryService);
  const scanner = new MetadataScanner();
  const reflector = app.get(Reflector);
  const routes: RouteEntry[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
    if (!controller) continue;
    const base: string = Reflect.getMetadata(PATH_METADATA, controller) ?? '';
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = controller.prototype[name];
      const path: string | string[] | undefined = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      for (const p of Array.isArray(path) ? path : [path]) {
        const local = join(base, p);
        const full = UNPREFIXED_ROUTES.includes(local.slice(1)) ? local : join(API_PREFIX, local);
        routes.push({ method, path: full, rule: reflector.getAllAndOverride(ACCESS_RULE, [handler, controller]) });
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** The rule in the words of the route table snapshot (and of the OpenAPI document's x-latchkey-access). */
export const describeRule = describeAccessRule;

/** What a path parameter names, read from the segments before it. */
export type IdKind =
  | 'workspace'
  | 'role'
  | 'member'
  | 'invitation'
  | 'device'
  | 'apiUser'
  | 'apiUserToken'
  | 'workspaceToken'
  | 'myToken'
  | 'mySession'
  | 'myInvitation'
  | 'user'
  | 'webhook'
  | 'webhookDelivery'
  | 'team'
  | 'trustRule';

export interface PathParam {
  /** Index of the segment in path.split('/'). */
  index: number;
  name: string;
  kind: IdKind;
}

export function pathParams(path: string): PathParam[] {
  const segments = path.split('/');
  const params: PathParam[] = [];
  segments.forEach((segment, index) => {
    if (segment.startsWith(':')) params.push({ index, name: segment.slice(1), kind: idKind(segments, index) });
  });
  return params;
}

function idKind(segments: string[], index: number): IdKind {
  const [before, twoBefore, threeBefore] = [segments[index - 1], segments[index - 2], segments[index - 3]];
  switch (before) {
    case 'workspaces':
      return 'workspace';
    case 'roles':
      return 'role';
    case 'members':
      return 'member';
    case 'devices':
      return 'device';
    case 'api-users':
      return 'apiUser';
    case 'users':
      return 'user';
    case 'webhooks':
      return 'webhook';
    case 'deliveries':
      return 'webhookDelivery';
    case 'teams':
      return 'team';
    case 'trust-rules':
      return 'trustRule';
    case 'invitations':
      return twoBefore === 'v1' ? 'myInvitation' : 'invitation';
    case 'sessions':
      return 'mySession';
    case 'tokens':
      return twoBefore === 'me' ? 'myToken' : threeBefore === 'api-users' ? 'apiUserToken' : 'workspaceToken';
  }
  throw new Error(`No id kind for ${segments.join('/')} at ${segments[index]}: teach idKind() about it`);
}

/** The path with every parameter replaced by the id of its kind; `replace` puts a raw segment at one index instead. */
export function fillPath(path: string, ids: Partial<Record<IdKind, string>>, replace?: { index: number; segment: string }): string {
  const segments = path.split('/');
  for (const param of pathParams(path)) {
    const id = ids[param.kind];
    if (id === undefined) throw new Error(`No ${param.kind} id to fill ${path}`);
    segments[param.index] = id;
  }
  if (replace) segments[replace.index] = replace.segment;
  return segments.join('/');
}
