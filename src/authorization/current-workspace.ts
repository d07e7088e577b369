import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { WorkspaceCaller } from './workspace-caller';

/**
 * The caller in the route's workspace, admitted by the guard under the route's rule; services scope
 * every query by its workspaceId, and its writes re-check that rule under the lock (WorkspaceWrites).
 */
export const CurrentWorkspace = createParamDecorator((_data: unknown, ctx: ExecutionContext): WorkspaceCaller => {
  const caller = ctx.switchToHttp().getRequest<{ workspaceCaller?: WorkspaceCaller }>().workspaceCaller;
  if (!caller) throw new Error('CurrentWorkspace used on a route without a workspace access rule');
  return caller;
});
