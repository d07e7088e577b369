import { MigrationInterface, QueryRunner } from 'typeorm';

// An owner always has device access "all" (audit finding M1, docs/security.md): before that rule, an admin could narrow
// the owners' device access until nobody in the workspace reached every device. Give it back, for
// owners now and for pending invitations to the owner role.
export class OwnersReachAllDevices1765000080000 implements MigrationInterface {
  name = 'OwnersReachAllDevices1765000080000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE memberships m SET device_access = 'all'
       WHERE m.device_access = 'selected'
         AND EXISTS (SELECT 1 FROM membership_roles mr JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
                      WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id AND r.built_in = 'owner')`);
    await q.query(`
      DELETE FROM membership_devices md USING memberships m
       WHERE m.workspace_id = md.workspace_id AND m.id = md.membership_id AND m.device_access = 'all'`);
    await q.query(`
      UPDATE invitations i SET device_access = 'all', device_ids = '{}'
       WHERE i.device_access = 'selected'
         AND EXISTS (SELECT 1 FROM roles r WHERE r.workspace_id = i.workspace_id AND r.id = ANY (i.role_ids) AND r.built_in = 'owner')`);
  }

  async down(): Promise<void> {
    // Nothing to undo: narrowing owners again would bring the hole back.
  }
}
