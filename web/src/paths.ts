// Paths between screens that do not need the route table (which imports every page).

/**
 * The same screen in another workspace: "/w/A/devices" becomes "/w/B/devices". A page of one record
 * (an API user) has no counterpart there: its list does.
 */
export function sameScreenIn(path: string, workspaceId: string): string {
  const rest = /^\/w\/[^/]+(\/.*)?$/.exec(path)?.[1] ?? '';
  const area = rest.split('/').filter(Boolean)[0];
  return `/w/${encodeURIComponent(workspaceId)}${area ? `/${area}` : ''}`;
}
