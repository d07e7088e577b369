// Checks a grant of roles and device access before it is written: every role and device is in the
// workspace (400 otherwise), and the grantor may grant them (no escalation, 403). Devices are checked
// for reach before existence: a device out of the grantor's reach and one that does not exist both
// answer 403 to a grantor limited to some devices, so the answer tells nothing of which ids exist.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { DeviceAccess } from '../authorization/device-rules';
import {
  assertCanActOnOffer,
  assertCanGrantDevices,
  assertCanGrantTo,
  ANY_NETWORK,
  canActOnOffer,
  canGrantTo,
  assertCanGrantRoles,
  assertOwnerReachesAll,
  includesOwnerRole,
} from '../authorization/grants';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import { validationFailed } from '../common/errors';
import { DevicesRepository } from '../devices/devices.repository';
import { invitationDeviceAccess, type InvitationRecord, type RoleRecord } from './workspace.records';
import { WorkspacesRepository } from './workspaces.repository';

@Injectable()
export class GrantValidator {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly devices: DevicesRepository,
  ) {}

  async rolesToGrant(grantor: WorkspaceAccess, roleIds: string[], em?: EntityManager): Promise<RoleRecord[]> {
    const roles = await this.workspaces.findRoles(grantor.workspaceId, roleIds, em);
    if (roles.length !== roleIds.length) throw validationFailed('roleIds', 'names a role that is not in this workspace');
    assertCanGrantRoles(grantor, roles);
    return roles;
  }

  async devicesToGrant(grantor: WorkspaceAccess, access: DeviceAccess, em?: EntityManager): Promise<void> {
    assertCanGrantDevices(grantor, access);
    if (access.mode === 'selected') {
      const known = await this.devices.existing(grantor.workspaceId, access.deviceIds, em);
      if (known.size !== access.deviceIds.length)
        throw validationFailed('deviceAccess.deviceIds', 'names a device that is not in this workspace');
    }
  }

  /**
   * Acting on a pending invitation (changing or revoking it): assertCanActOnOffer with the roles of it
   * that still exist. A changer shown only the devices in its reach (accessWithinReach) would otherwise
   * send that part back and silently drop the rest.
   */
  async assertCanActOnInvitation(
    actor: WorkspaceAccess,
    invitation: Pick<InvitationRecord, 'roleIds' | 'deviceAccess' | 'deviceIds'>,
    em: EntityManager,
  ): Promise<void> {
    assertCanActOnOffer(
      actor,
      await this.workspaces.findRoles(actor.workspaceId, invitation.roleIds, em),
      invitationDeviceAccess(invitation),
    );
  }

  /**
   * Of these invitations, the ids of those the actor could act on (each one's `manageable`), by the
   * rule assertCanActOnInvitation enforces; one query for all their roles. Holding the invitation
   * routes' permission is the caller's to check.
   */
  async invitationsActorCanActOn(
    actor: WorkspaceAccess,
    invitations: ReadonlyArray<Pick<InvitationRecord, 'id' | 'roleIds' | 'deviceAccess' | 'deviceIds'>>,
    em?: EntityManager,
  ): Promise<Set<string>> {
    // Changing and resending grant to the invitee, who will work from any network: `manageable` says all
    // three (change, resend, revoke), so a network-bound caller, who may only revoke, is shown none (review 15a, M1).
    if (invitations.length === 0 || !canGrantTo(actor.principal.token, ANY_NETWORK)) return new Set();
    const roles = await this.workspaces.findRoles(actor.workspaceId, [...new Set(invitations.flatMap((i) => i.roleIds))], em);
    const byId = new Map(roles.map((role) => [role.id, role]));
    const offers = invitations.filter((i) =>
      canActOnOffer(
        actor,
        i.roleIds.flatMap((id) => byId.get(id) ?? []),
        invitationDeviceAccess(i),
      ),
    );
    return new Set(offers.map((i) => i.id));
  }

  /**
   * An invitation's grant, as creating one and changing one check it: its roles and devices are in the
   * workspace, the grantor may grant them, and an owner gets every device.
   */
  async invitationGrant(grantor: WorkspaceAccess, roleIds: string[], access: DeviceAccess, em: EntityManager): Promise<void> {
    assertCanGrantTo(grantor.principal.token, ANY_NETWORK);
    const roles = await this.rolesToGrant(grantor, roleIds, em);
    assertOwnerReachesAll(includesOwnerRole(roles), access);
    await this.devicesToGrant(grantor, access, em);
  }
}
