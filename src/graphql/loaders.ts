// Batch loaders of one request: nested lists that would cost a statement per parent cost one per batch.
import DataLoader from 'dataloader';
import { ApiUsersService } from '../api-users/api-users.service';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import type { Page } from '../common/pagination';
import type { TokenView } from '../tokens/token.view';
import type { GraphqlContext } from './graphql-context';

/** The first page of tokens of API users of one workspace, `limit` a page, loaded for all of a list's API users at once. */
export function apiUserTokenPages(
  ctx: GraphqlContext,
  apiUsers: ApiUsersService,
  caller: WorkspaceCaller,
  limit: number | undefined,
): DataLoader<string, Page<TokenView>> {
  const key = `api-user-tokens|${caller.workspaceId}|${limit ?? ''}`;
  let loader = ctx.loaders.get(key) as DataLoader<string, Page<TokenView>> | undefined;
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const pages = await apiUsers.firstTokenPages(caller, ids, { limit });
      return ids.map((id) => pages.get(id) ?? { items: [], nextCursor: null });
    });
    ctx.loaders.set(key, loader);
  }
  return loader;
}
