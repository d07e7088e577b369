// Teams of a workspace: roles and device access handed to the members and API users in them.
// Whatever defines a team or changes who is in it grants what the team hands out, so it is held to
// the grant rule (assertCanGrantTeam, grants.ts); putting a principal in a team or taking it out also
// acts on that principal, and changing a team's grant or deleting the team acts on everyone in it
// (assertCanActOn). Each write decides under the workspace's lock (WorkspaceWrites), so who is in the
// team cannot change between the check and the write.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Actor } from '../audit/audit-log';
import { toDeviceAccess } from '../authorization/device-access.dto';
import type { DeviceAccess } from '../authorization/device-rules';
import {
  ANY_NETWORK,
  assertCanActOn,
  assertCanGrantTeam,
  assertCanGrantTo,
  assertTeamRoles,
  canGrantTeam,
  grantWidens,
  holdingsOfGrant,
  NOTHING_HELD,
  type TeamGrant,
} from '../authorization/grants';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, notFound, validationFailed } from '../common/errors';
import { decodeCursor, Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { GrantValidator } from '../workspaces/grant-validator';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import { CreateTeamDto, MAX_TEAM_PRINCIPALS, UpdateTeamDto } from './teams.dto';
import { TeamPrincipal, TeamRecord, TeamsRepository } from './teams.repository';
import { TeamView, toTeamView } from './teams.views';
import { sameMembers } from '../common/same-members';

@Injectable()
export class TeamsService {
  constructor(
    private readonly teams: TeamsRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly grants: GrantValidator,
    private readonly writes: WorkspaceWrites,
    private readonly clock: Clock,
  ) {}

  async list(access: WorkspaceAccess, query: PageQueryDto): Promise<Page<TeamView>> {
    const limit = pageLimit(query);
    const rows = await this.teams.list(access.workspaceId, decodeCursor(query.cursor), limit);
    return toPage(rows, limit, (team) => this.view(access, team));
  }

  async get(access: WorkspaceAccess, teamId: string): Promise<TeamView> {
    const team = await this.teams.find(access.workspaceId, teamId);
    if (!team) throw notFound('Team');
    return this.view(access, team);
  }

  async create(caller: WorkspaceCaller, actor: Actor, dto: CreateTeamDto): Promise<TeamView> {
    const name = dto.name.trim();
    const deviceAccess = toDeviceAccess(dto.deviceAccess);
    return this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        await this.grantOf(access, dto.roleIds, deviceAccess, em);
        const id = randomUUID();
        const description = dto.description?.trim() || null;
        await this.teams.insert(
          access.workspaceId,
          { id, name, description, roleIds: dto.roleIds, deviceAccess, at: this.clock.now() },
          em,
        );
        await audit({ action: 'team.created', target: { type: 'team', id }, details: { name, roleIds: dto.roleIds, deviceAccess } });
        return this.view(access, await this.findIn(em, access, id));
      },
      { conflicts: nameTaken(name) },
    );
  }

  async update(caller: WorkspaceCaller, actor: Actor, teamId: string, dto: UpdateTeamDto): Promise<TeamView> {
    const name = dto.name?.trim();
    return this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        const team = await this.findIn(em, access, teamId);
        // As for a role: the editor holds what the team hands out now and what it will hand out.
        assertCanGrantTeam(access, team);
        const roleIds = dto.roleIds ?? team.roles.map((r) => r.id);
        const deviceAccess = dto.deviceAccess ? toDeviceAccess(dto.deviceAccess) : team.deviceAccess;
        const asked = dto.roleIds || dto.deviceAccess ? await this.grantOf(access, roleIds, deviceAccess, em) : null;
        // And, as for a role's holders, every right of those it narrows or widens; a rename acts on no one.
        if (!sameGrant(team, roleIds, deviceAccess)) {
          await this.assertCanActOnThoseIn(em, access, teamId);
          // Members in it (or put in it later) work from any network: a network-bound token widens no team's grant.
          const roles = dto.roleIds ? (asked?.roles ?? null) : null;
          if (grantWidens(holdingsOfGrant(team.roles, team.deviceAccess), roles, dto.deviceAccess ? deviceAccess : null)) {
            assertCanGrantTo(access.principal.token, ANY_NETWORK);
          }
        }
        const changed = {
          name: name ?? team.name,
          description: dto.description === undefined ? team.description : dto.description?.trim() || null,
          roleIds,
          deviceAccess,
          at: this.clock.now(),
        };
        await this.teams.update(access.workspaceId, teamId, changed, em);
        await audit({
          action: 'team.updated',
          target: { type: 'team', id: teamId },
          details: { name: changed.name, ...(dto.roleIds ? { roleIds } : {}), ...(dto.deviceAccess ? { deviceAccess } : {}) },
        });
        return this.view(access, await this.findIn(em, access, teamId));
      },
      { conflicts: nameTaken(name ?? '') },
    );
  }

  /**
   * Deleting a team takes its rights from everyone in it: the caller must hold them (as for deleting a
   * role), and everything those in it hold (as for taking each of them out).
   */
  async delete(caller: WorkspaceCaller, actor: Actor, teamId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const team = await this.findIn(em, access, teamId);
      assertCanGrantTeam(access, team);
      await this.assertCanActOnThoseIn(em, access, teamId);
      await this.teams.delete(access.workspaceId, teamId, em);
      await audit({ action: 'team.deleted', target: { type: 'team', id: teamId }, details: { name: team.name } });
    });
  }

  /** Idempotent: a principal already in the team stays, with no second event. */
  async addPrincipal(caller: WorkspaceCaller, actor: Actor, teamId: string, who: TeamPrincipal): Promise<TeamView> {
    return this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const team = await this.findIn(em, access, teamId);
      const membershipId = await this.membershipIn(em, access, who);
      // Putting a principal in a team grants it the team's roles and devices: the same rule as granting
      // them directly, and the caller acts on the principal (it holds no more than the caller does).
      assertCanGrantTeam(access, team);
      await assertCanActOn(who, resourceOf(who), thisOne(who));
      // As for a team's grant: a network-bound token puts no one in a team that gives any right or device (the
      // team's grant outlives the principal's others; judged as for a member, API users too: kept simple).
      if (grantWidens(NOTHING_HELD, team.roles, team.deviceAccess)) assertCanGrantTo(access.principal.token, ANY_NETWORK);
      if (team.members.length + team.apiUsers.length >= MAX_TEAM_PRINCIPALS) {
        throw conflict(`A team holds at most ${MAX_TEAM_PRINCIPALS} members and API users.`);
      }
      if (await this.teams.addMember(access.workspaceId, teamId, membershipId, this.clock.now(), em)) {
        await audit({
          action: 'team.member_added',
          accountId: who.type === 'user' ? who.id : null,
          target: { type: 'team', id: teamId },
          details: { principalType: who.type, principalId: who.id },
        });
      }
      return this.view(access, await this.findIn(em, access, teamId));
    });
  }

  /** 404 when the principal is not in the team (or not in the workspace). */
  async removePrincipal(caller: WorkspaceCaller, actor: Actor, teamId: string, who: TeamPrincipal): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const team = await this.findIn(em, access, teamId);
      const membershipId = await this.membershipIn(em, access, who);
      // Taking someone out changes what they hold: the caller holds what the team hands out and all the principal holds.
      assertCanGrantTeam(access, team);
      await assertCanActOn(who, resourceOf(who), thisOne(who));
      if (!(await this.teams.removeMember(access.workspaceId, teamId, membershipId, em))) throw notFound('Team member');
      await audit({
        action: 'team.member_removed',
        accountId: who.type === 'user' ? who.id : null,
        target: { type: 'team', id: teamId },
        details: { principalType: who.type, principalId: who.id },
      });
    });
  }

  /** A team's grant as sent: its roles and devices are in the workspace (400), and the caller may hand them out (403). */
  private async grantOf(access: WorkspaceAccess, roleIds: string[], deviceAccess: DeviceAccess, em: EntityManager): Promise<TeamGrant> {
    const roles = await this.workspaces.findRoles(access.workspaceId, roleIds, em);
    if (roles.length !== roleIds.length) throw validationFailed('roleIds', 'names a role that is not in this workspace');
    assertTeamRoles(roles);
    await this.grants.devicesToGrant(access, deviceAccess, em);
    const grant = { roles, deviceAccess };
    assertCanGrantTeam(access, grant);
    return grant;
  }

  /** Changing what a team hands out changes everyone in it: the caller holds all they hold together (owners aside). */
  private async assertCanActOnThoseIn(em: EntityManager, access: WorkspaceAccess, teamId: string): Promise<void> {
    assertCanActOn(access, await this.teams.holdings(access.workspaceId, teamId, em), 'the members and API users of this team');
  }

  private async findIn(em: EntityManager, access: WorkspaceAccess, teamId: string): Promise<TeamRecord> {
    const team = await this.teams.find(access.workspaceId, teamId, em);
    if (!team) throw notFound('Team');
    return team;
  }

  private async membershipIn(em: EntityManager, access: WorkspaceAccess, who: TeamPrincipal): Promise<string> {
    const membershipId = await this.teams.membershipOf(access.workspaceId, who, em);
    if (!membershipId) throw notFound(resourceOf(who));
    return membershipId;
  }

  /** manageable: the rule its writes apply (teams:manage, then the grant rule), asked, not enforced. */
  private view(access: WorkspaceAccess, team: TeamRecord): TeamView {
    return toTeamView(team, access.permissions.has('teams:manage') && canGrantTeam(access, team), access.deviceAccess);
  }
}

function nameTaken(name: string) {
  return { teams_workspace_name_key: `A team named "${name}" exists already.` };
}

/** Does the team hand out the same roles and devices it does now? */
function sameGrant(team: TeamRecord, roleIds: string[], deviceAccess: DeviceAccess): boolean {
  const teamRoleIds = team.roles.map((r) => r.id);
  if (!sameMembers(roleIds, teamRoleIds)) return false;
  if (deviceAccess.mode === 'all' || team.deviceAccess.mode === 'all') return deviceAccess.mode === team.deviceAccess.mode;
  return sameMembers(deviceAccess.deviceIds, team.deviceAccess.deviceIds);
}

function resourceOf(who: TeamPrincipal): string {
  return who.type === 'user' ? 'Member' : 'API user';
}

function thisOne(who: TeamPrincipal): string {
  return who.type === 'user' ? 'this member' : 'this API user';
}
