// A workspace filled straight into its tables, for the GraphQL efficiency test and the bench's
// dashboard: members (viewers, each with 3 selected devices), devices, and API users with 2 tokens each.
// Thousands of rows through the API would take minutes and the registration limits; SQL takes a second.

export type RunSql = (sql: string, params?: unknown[]) => Promise<unknown>;

export interface BulkCounts {
  members: number;
  devices: number;
  apiUsers: number;
}

export async function fillWorkspace(q: RunSql, workspace: { id: string; viewerRoleId: string }, counts: BulkCounts): Promise<void> {
  const { id } = workspace;
  await q(
    `INSERT INTO devices (id, workspace_id, name, serial, metadata, created_at, updated_at)
     SELECT gen_random_uuid(), $1, 'Sensor ' || i, 'BULK-' || i, '{}', now() - i * interval '1 second', now() FROM generate_series(1, $2) i`,
    [id, counts.devices],
  );
  await q(
    `WITH u AS (
       INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
       SELECT gen_random_uuid(), 'bulk-' || i || '-' || $2 || '@example.com', 'Bulk ' || i, 'x', now(), now() FROM generate_series(1, $3) i
       RETURNING id)
     INSERT INTO memberships (id, workspace_id, user_id, device_access, created_at, updated_at)
     SELECT gen_random_uuid(), $1, u.id, 'selected', now(), now() FROM u`,
    [id, id.slice(0, 8), counts.members],
  );
  await q(
    `WITH a AS (
       INSERT INTO api_users (id, workspace_id, name, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'bulk-bot-' || i, now() - i * interval '1 second', now() FROM generate_series(1, $2) i RETURNING id)
     INSERT INTO memberships (id, workspace_id, api_user_id, device_access, created_at, updated_at)
     SELECT gen_random_uuid(), $1, a.id, 'selected', now(), now() FROM a`,
    [id, counts.apiUsers],
  );
  await q(
    `INSERT INTO membership_roles (workspace_id, membership_id, role_id)
     SELECT $1, m.id, $2 FROM memberships m WHERE m.workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM membership_roles mr WHERE mr.membership_id = m.id)`,
    [id, workspace.viewerRoleId],
  );
  await q(
    `INSERT INTO membership_devices (workspace_id, membership_id, device_id)
     SELECT $1, m.id, d.id FROM memberships m
       CROSS JOIN LATERAL (SELECT id FROM devices WHERE workspace_id = $1 ORDER BY id LIMIT 3) d
      WHERE m.workspace_id = $1 AND m.device_access = 'selected'
     ON CONFLICT DO NOTHING`,
    [id],
  );
  await q(
    `INSERT INTO tokens (id, kind, api_user_id, name, token_hash, hint, scopes, created_at)
     SELECT gen_random_uuid(), 'api_user', a.id, 'bulk', md5(random()::text || a.id || n), 'lka_bulk…' || lpad(n::text, 4, '0'), '{*}', now() - n * interval '1 second'
       FROM api_users a CROSS JOIN generate_series(1, 2) n
      WHERE a.workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.api_user_id = a.id AND t.name = 'bulk')`,
    [id],
  );
}

/** The dashboard query of docs/graphql.md's efficiency section, and what REST needs for the same data. */
export const DASHBOARD_QUERY = `query($w: ID!) { workspace(id: $w) { id name
  members(limit: 200) { items { userId email name roles { id name builtIn } deviceAccess { mode deviceIds } } }
  devices(limit: 200) { items { id name serial } }
  apiUsers(limit: 50) { items { id name roles { id name } deviceAccess { mode deviceIds } tokens { items { id hint scopes expiresAt } } } } } }`;
