// Every HTTP route of the application with the access rule it declares, read from Nest's metadata.
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_RULE, AccessRule } from '../../src/auth/access.decorators';
import { API_PREFIX, UNPREFIXED_ROUTES } from '../../src/app.setup';

export interface RouteEntry {
  method: string;
  path: string;
  rule: AccessRule | undefined;
}

const join = (...parts: string[]) => '/' + parts.flatMap((p) => p.split('/')).filter(Boolean).join('/');

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

export function describeRule(rule: AccessRule | undefined): string {
  if (!rule) return 'NONE';
  if (rule.kind === 'public') return rule.unlimited ? 'public, not rate-limited' : 'public, rate-limited per IP';
  const parts = ['token'];
  if (rule.permission) parts.push(`permission=${rule.permission}`);
  if (rule.workspaceMember) parts.push('member-of-workspace');
  if (rule.ownerOnly) parts.push('owner-only');
  if (rule.scope) parts.push(`scope=${rule.scope}`);
  if (rule.platformAdmin) parts.push('platform-admin');
  if (rule.platformKey) parts.push('or-platform-key');
  const apiUsers = rule.allowApiUsers ?? rule.permission !== undefined;
  parts.push(apiUsers ? 'users+api-users' : 'users');
  return parts.join(' ');
}
