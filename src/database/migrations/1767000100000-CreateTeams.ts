import { MigrationInterface, QueryRunner } from 'typeorm';

// Teams of a workspace: roles and device access shared by the members and API users in them. A
// principal's rights are the union of its own grants and its teams' (WorkspaceAccessResolver). Team
// members are memberships, so a principal leaving the workspace leaves its teams with it (cascade).
// A role a team holds cannot be deleted (RESTRICT, as for membership_roles); a deleted device leaves
// every team's selection.
export class CreateTeams1767000100000 implements MigrationInterface {
  name = 'CreateTeams1767000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        device_access text NOT NULL CHECK (device_access IN ('all', 'selected')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX teams_workspace_name_key ON teams (workspace_id, lower(name))`);
    await q.query(`CREATE INDEX teams_workspace_created ON teams (workspace_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE team_roles (
        workspace_id uuid NOT NULL,
        team_id uuid NOT NULL,
        role_id uuid NOT NULL,
        PRIMARY KEY (team_id, role_id),
        FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id) ON DELETE CASCADE,
        FOREIGN KEY (workspace_id, role_id) REFERENCES roles (workspace_id, id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX team_roles_role ON team_roles (workspace_id, role_id)`);
    await q.query(`
      CREATE TABLE team_devices (
        workspace_id uuid NOT NULL,
        team_id uuid NOT NULL,
        device_id uuid NOT NULL,
        PRIMARY KEY (team_id, device_id),
        FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id) ON DELETE CASCADE,
        FOREIGN KEY (workspace_id, device_id) REFERENCES devices (workspace_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX team_devices_device ON team_devices (workspace_id, device_id)`);
    await q.query(`
      CREATE TABLE team_members (
        workspace_id uuid NOT NULL,
        team_id uuid NOT NULL,
        membership_id uuid NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (team_id, membership_id),
        FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id) ON DELETE CASCADE,
        FOREIGN KEY (workspace_id, membership_id) REFERENCES memberships (workspace_id, id) ON DELETE CASCADE
      )`);
    // The access query looks a principal's teams up by its membership.
    await q.query(`CREATE INDEX team_members_membership ON team_members (workspace_id, membership_id)`);

    // The new permissions in the owner and admin roles of existing workspaces (new ones get them from
    // BUILT_IN_ROLES, whose owner and admin hold the whole catalog but workspace:delete for admin).
    await q.query(`
      UPDATE roles SET permissions = permissions || ARRAY['teams:read', 'teams:manage']
       WHERE built_in IN ('owner', 'admin') AND NOT ('teams:read' = ANY (permissions))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE roles SET permissions = array_remove(array_remove(permissions, 'teams:read'), 'teams:manage') WHERE built_in IS NOT NULL`,
    );
    for (const table of ['team_members', 'team_devices', 'team_roles', 'teams']) await q.query(`DROP TABLE ${table}`);
  }
}
