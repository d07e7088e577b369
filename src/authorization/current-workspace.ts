import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { WorkspaceAccess } from './workspace-access';

/** The caller's access in the route's workspace, resolved by the guard; services scope every query by its workspaceId. */
export const CurrentWorkspace = createParamDecorator((_data: unknown, ctx: ExecutionContext): WorkspaceAccess => {
  const access = ctx.switchToHttp().getRequest<{ workspaceAccess?: WorkspaceAccess }>().workspaceAccess;
  if (!access) throw new Error('CurrentWorkspace used on a route without a workspace access rule');
  return access;
});
