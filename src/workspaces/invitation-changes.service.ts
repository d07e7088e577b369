// An invitation's landing page (what its link offers, before accepting) and changes to a pending
// invitation's grant. Issuing, answering and resending are in invitations.service.ts.
import { Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-log';
import { hashToken, parseToken } from '../auth/token-format';
import { toDeviceAccess } from '../authorization/device-access.dto';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, notFound } from '../common/errors';
import { GrantValidator } from './grant-validator';
import { InvitationPreviewView, maskEmail } from './invitation-preview.view';
import { InvitationsRepository } from './invitations.repository';
import { capInvitationExpiry, inviterOf } from './invitations.service';
import { invitationDeviceAccess } from './workspace.records';
import { invitationStatus, InvitationView, toInvitationView } from './workspace.views';
import type { PreviewInvitationDto, UpdateInvitationDto } from './workspaces.dto';

@Injectable()
export class InvitationChangesService {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly grants: GrantValidator,
    private readonly writes: WorkspaceWrites,
    private readonly clock: Clock,
  ) {}

  /**
   * What the link offers, for whoever holds it, signed in or not: the workspace, who sent it, the
   * roles and devices by name, and the address masked. A malformed, unknown, answered or expired
   * secret is one 404, the same in body and in the work done (a hash lookup).
   */
  async preview(dto: PreviewInvitationDto): Promise<InvitationPreviewView> {
    // Looked up whatever its shape: a malformed secret finds nothing, after the same work as an unknown one.
    const row = await this.invitations.findPendingForPreview(hashToken(dto.token), this.clock.now());
    if (!row || parseToken(dto.token) !== 'lki_') throw notFound('Invitation');
    const { roles, devices } = await this.invitations.grantNames(row.workspaceId, row.roleIds, row.deviceIds);
    const inviterType = row.invitedByUserId ? 'user' : row.invitedByApiUserId ? 'api_user' : null;
    return {
      workspace: { name: row.workspaceName, slug: row.workspaceSlug },
      invitedBy: inviterType && row.inviterName !== null ? { type: inviterType, name: row.inviterName } : null,
      emailMasked: maskEmail(row.email),
      roles,
      deviceAccess: { mode: row.deviceAccess, devices: row.deviceAccess === 'selected' ? devices : [] },
      expiresAt: row.expiresAt,
    };
  }

  /**
   * A pending invitation's roles and devices, changed under the rules of issuing one (the whole new
   * grant is checked against the changer's rights, as a new invitation's would be); the changer becomes
   * the inviter whose rights accepting checks again. The secret stays, and so does the expiry, unless the
   * changer's token expires sooner: then the invitation ends with it, as one it made would.
   */
  async update(caller: WorkspaceCaller, actor: Actor, invitationId: string, dto: UpdateInvitationDto): Promise<InvitationView> {
    return this.writes.runAfter(
      caller,
      actor,
      // The invitation's row before the workspace's, the order accepting, revoking and resending take them.
      async (em) => {
        const invitation = await this.invitations.findLocked(caller.workspaceId, invitationId, em);
        if (!invitation) throw notFound('Invitation');
        const status = invitationStatus(invitation, this.clock.now());
        if (status !== 'pending') throw conflict(`Only a pending invitation can be changed; this one is ${status}.`);
        return invitation;
      },
      async ({ em, access, audit }, invitation) => {
        const now = this.clock.now();
        if (dto.roleIds === undefined && dto.deviceAccess === undefined) {
          const manageable = (await this.grants.invitationsActorCanActOn(access, [invitation], em)).has(invitation.id);
          return toInvitationView(invitation, now, access.deviceAccess, manageable);
        }
        // The grant it offers now, then the new one, as changing a team checks both (review 10, I2).
        await this.grants.assertCanActOnInvitation(access, invitation, em);
        const roleIds = dto.roleIds ?? invitation.roleIds;
        const deviceAccess = dto.deviceAccess ? toDeviceAccess(dto.deviceAccess) : invitationDeviceAccess(invitation);
        await this.grants.invitationGrant(access, roleIds, deviceAccess, em);
        const changed = {
          roleIds,
          deviceAccess: deviceAccess.mode,
          deviceIds: deviceAccess.mode === 'selected' ? deviceAccess.deviceIds : [],
          ...inviterOf(access),
          expiresAt: capInvitationExpiry(access, invitation.expiresAt),
        };
        await this.invitations.setGrant(access.workspaceId, invitation.id, changed, em);
        await audit({
          action: 'invitation.updated',
          target: { type: 'invitation', id: invitation.id },
          details: {
            ...(dto.roleIds ? { roleIds } : {}),
            ...(dto.deviceAccess ? { deviceAccess } : {}),
            ...(changed.expiresAt.getTime() !== invitation.expiresAt.getTime() ? { expiresAt: changed.expiresAt } : {}),
          },
        });
        return toInvitationView({ ...invitation, ...changed }, now, access.deviceAccess, true);
      },
    );
  }
}
