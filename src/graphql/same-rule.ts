// A GraphQL field is guarded by the rule of the REST route that does the same thing: the very object
// that route's @Authenticated() or @Public() declared, read from its metadata, never written again.
import { SetMetadata } from '@nestjs/common';
import { ACCESS_RULE, type AccessRule } from '../auth/access.decorators';
import type { AuthenticatedRule } from '../auth/access.guard';
import { namesWorkspace } from '../authorization/permissions';

type Controller = abstract new (...args: never[]) => object;

/** The rule `controller.method` declares; start-up fails when it declares none (deny by default). */
export function ruleOf<C extends Controller>(controller: C, method: keyof InstanceType<C> & string): AccessRule {
  const handler = (controller.prototype as Record<string, unknown>)[method];
  const rule = typeof handler === 'function' ? (Reflect.getMetadata(ACCESS_RULE, handler) as AccessRule | undefined) : undefined;
  if (!rule) throw new Error(`${controller.name}.${method} declares no access rule`);
  return rule;
}

/** The rule of a REST route that names a workspace (a permission, ownerOnly or workspaceMember). */
export function workspaceRuleOf<C extends Controller>(controller: C, method: keyof InstanceType<C> & string): AuthenticatedRule {
  const rule = ruleOf(controller, method);
  if (rule.kind !== 'authenticated' || !namesWorkspace(rule)) throw new Error(`${controller.name}.${method} names no workspace rule`);
  return rule;
}

/**
 * On a query or mutation field: the global AccessGuard holds the field to the REST route's rule
 * (principal type, account scope, platform admin), as it holds the route. A rule that names a
 * workspace is then the resolver's to admit, with the same object (GraphqlAccess.admit).
 */
export function SameRuleAs<C extends Controller>(controller: C, method: keyof InstanceType<C> & string): MethodDecorator {
  return SetMetadata(ACCESS_RULE, ruleOf(controller, method));
}
