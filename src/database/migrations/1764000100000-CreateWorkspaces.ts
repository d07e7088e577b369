import { MigrationInterface, QueryRunner } from 'typeorm';

// Tenancy. Every tenant-owned row carries workspace_id, and links between them use composite keys
// (workspace_id, id), so a row of one workspace can never point at a row of another.
export class CreateWorkspaces1764000100000 implements MigrationInterface {
  name = 'CreateWorkspaces1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        slug text NOT NULL,
        token_max_lifetime_days integer CHECK (token_max_lifetime_days > 0),
        allow_personal_tokens boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX workspaces_slug_key ON workspaces (slug)`);

    await q.query(`
      CREATE TABLE roles (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        permissions text[] NOT NULL,
        built_in text CHECK (built_in IN ('owner', 'admin', 'member', 'viewer')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX roles_workspace_name_key ON roles (workspace_id, lower(name))`);

    await q.query(`
      CREATE TABLE devices (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name text NOT NULL,
        serial text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX devices_workspace_serial_key ON devices (workspace_id, serial)`);
    await q.query(`CREATE INDEX devices_workspace_created ON devices (workspace_id, created_at DESC, id DESC)`);

    // A principal's place in a workspace: a user's membership, or (later) an API user's.
    await q.query(`
      CREATE TABLE memberships (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        api_user_id uuid,
        device_access text NOT NULL CHECK (device_access IN ('all', 'selected')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (workspace_id, id),
        CHECK ((user_id IS NULL) <> (api_user_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX memberships_workspace_user_key ON memberships (workspace_id, user_id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE INDEX memberships_user ON memberships (user_id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE INDEX memberships_workspace_created ON memberships (workspace_id, created_at DESC, id DESC)`);

    // A role still assigned cannot be deleted (RESTRICT); a deleted device leaves every selection.
    await q.query(`
      CREATE TABLE membership_roles (
        workspace_id uuid NOT NULL,
        membership_id uuid NOT NULL,
        role_id uuid NOT NULL,
        PRIMARY KEY (membership_id, role_id),
        FOREIGN KEY (workspace_id, membership_id) REFERENCES memberships (workspace_id, id) ON DELETE CASCADE,
        FOREIGN KEY (workspace_id, role_id) REFERENCES roles (workspace_id, id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX membership_roles_role ON membership_roles (workspace_id, role_id)`);
    await q.query(`
      CREATE TABLE membership_devices (
        workspace_id uuid NOT NULL,
        membership_id uuid NOT NULL,
        device_id uuid NOT NULL,
        PRIMARY KEY (membership_id, device_id),
        FOREIGN KEY (workspace_id, membership_id) REFERENCES memberships (workspace_id, id) ON DELETE CASCADE,
        FOREIGN KEY (workspace_id, device_id) REFERENCES devices (workspace_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX membership_devices_device ON membership_devices (workspace_id, device_id)`);

    await q.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        email text NOT NULL,
        role_ids uuid[] NOT NULL,
        device_access text NOT NULL CHECK (device_access IN ('all', 'selected')),
        device_ids uuid[] NOT NULL DEFAULT '{}',
        token_hash text NOT NULL,
        hint text NOT NULL,
        invited_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        declined_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX invitations_token_hash_key ON invitations (token_hash)`);
    await q.query(`CREATE INDEX invitations_workspace_created ON invitations (workspace_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX invitations_email ON invitations (lower(email))`);

    // Append-only. No foreign keys: events outlive what they describe (a deleted workspace, a user).
    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        workspace_id uuid,
        account_id uuid,
        action text NOT NULL,
        actor_type text NOT NULL,
        actor_id uuid,
        actor_token_id uuid,
        target_type text,
        target_id uuid,
        ip text,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX audit_events_workspace ON audit_events (workspace_id, created_at DESC, id DESC) WHERE workspace_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_events_account ON audit_events (account_id, created_at DESC, id DESC) WHERE account_id IS NOT NULL`);

    // A workspace admin can cut a member's token off from that workspace without touching its use elsewhere.
    await q.query(`ALTER TABLE tokens ADD COLUMN blocked_workspace_ids uuid[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tokens DROP COLUMN blocked_workspace_ids`);
    for (const table of [
      'audit_events',
      'invitations',
      'membership_devices',
      'membership_roles',
      'memberships',
      'devices',
      'roles',
      'workspaces',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
