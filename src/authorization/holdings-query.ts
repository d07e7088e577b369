// What a group of principals holds together, in one query: the holders of a role (RolesService) or
// the members and API users of a team (TeamsService), whom a change to the role or team acts on.
import type { EntityManager } from 'typeorm';
import { type Holdings, isOwnerRoleSql } from './grants';

/**
 * The union of the permissions and devices of the memberships (members and API users) of workspace $1
 * that `holderCondition` selects (an SQL condition on memberships `m`, with the group's id as $2), owners
 * left out (an owner holds everything whatever its other roles). What each holds is its own grants and
 * its teams' (as the access query reads them).
 */
export async function groupHoldings(em: EntityManager, workspaceId: string, holderCondition: string, groupId: string): Promise<Holdings> {
  const rows: Array<{ permissions: string[]; allDevices: boolean; deviceIds: string[] }> = await em.query(
    `WITH holders AS (
       SELECT m.workspace_id, m.id, m.device_access
         FROM memberships m
        WHERE m.workspace_id = $1
          AND (${holderCondition})
          AND NOT EXISTS (SELECT 1 FROM membership_roles o JOIN roles r ON r.workspace_id = o.workspace_id AND r.id = o.role_id
                           WHERE o.workspace_id = m.workspace_id AND o.membership_id = m.id AND ${isOwnerRoleSql('r')})),
     holder_teams AS (
       SELECT t.id, t.device_access FROM holders h
         JOIN team_members tm ON tm.workspace_id = h.workspace_id AND tm.membership_id = h.id
         JOIN teams t ON t.workspace_id = tm.workspace_id AND t.id = tm.team_id),
     held_roles AS (
       SELECT mr.role_id FROM holders h JOIN membership_roles mr ON mr.workspace_id = h.workspace_id AND mr.membership_id = h.id
       UNION SELECT tr.role_id FROM holder_teams ht JOIN team_roles tr ON tr.workspace_id = $1 AND tr.team_id = ht.id)
     SELECT COALESCE((SELECT array_agg(DISTINCT p) FROM held_roles hr
                        JOIN roles r ON r.workspace_id = $1 AND r.id = hr.role_id
                        CROSS JOIN LATERAL unnest(r.permissions) AS p), '{}') AS permissions,
            (EXISTS (SELECT 1 FROM holders WHERE device_access = 'all')
               OR EXISTS (SELECT 1 FROM holder_teams WHERE device_access = 'all')) AS "allDevices",
            COALESCE((SELECT array_agg(DISTINCT d.device_id) FROM (
                        SELECT md.device_id FROM holders h
                          JOIN membership_devices md ON md.workspace_id = h.workspace_id AND md.membership_id = h.id
                        UNION ALL
                        SELECT td.device_id FROM holder_teams ht JOIN team_devices td ON td.workspace_id = $1 AND td.team_id = ht.id) d),
                     '{}') AS "deviceIds"`,
    [workspaceId, groupId],
  );
  const { permissions, allDevices, deviceIds } = rows[0];
  return {
    isOwner: false,
    permissions: new Set(permissions),
    deviceAccess: allDevices ? { mode: 'all' } : { mode: 'selected', deviceIds },
  };
}

/** Holders of role $2: directly or through a team. */
export const HOLDS_ROLE = `EXISTS (SELECT 1 FROM membership_roles mr WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id AND mr.role_id = $2)
            OR EXISTS (SELECT 1 FROM team_members tm JOIN team_roles tr ON tr.workspace_id = tm.workspace_id AND tr.team_id = tm.team_id
                        WHERE tm.workspace_id = m.workspace_id AND tm.membership_id = m.id AND tr.role_id = $2)`;

/** Members and API users of team $2. */
export const IN_TEAM = `EXISTS (SELECT 1 FROM team_members tm WHERE tm.workspace_id = m.workspace_id AND tm.membership_id = m.id AND tm.team_id = $2)`;
