// The checks other services make on every request: "may this token do X here?" (authorize) and
// "what is this token?" (introspect, RFC 7662).
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HotCache, tag } from '../cache/hot-cache';
import { Invalidation } from '../cache/invalidation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { Principal } from '../auth/principal';
import { TokenAuthenticator } from '../auth/token-authenticator';
import { DomainError, ErrorCode } from '../common/errors';
import { DevicesRepository } from '../devices/devices.repository';
import type { AuthorizeQuestion } from './authorize-question';
import { MAX_INTROSPECTED_WORKSPACES, type IntrospectedWorkspaceView, type IntrospectionView } from './checks.views';
import { accessWithinReach, assertDevicePermission, type DeviceAccess, EVERY_DEVICE, unknownDevice } from '../authorization/device-rules';
import { assertPermission } from '../authorization/permissions';
import { WorkspaceAccess, WorkspaceAccessResolver } from '../authorization/workspace-access';

/** A device known to exist: one shared value, nothing else to remember. */
const KNOWN = Object.freeze({ exists: true as const });
/** The known-devices cache's key: `<workspaceId>:<deviceId>`. */
const deviceKey = (workspaceId: string, deviceId: string) => `${workspaceId}:${deviceId}`;

const notAllowed = (detail: string) => new DomainError(ErrorCode.Forbidden, detail);

/** For a yes/no question, "no such workspace for you" is simply "no". */
function noAccessIfNotFound(error: unknown): unknown {
  if (error instanceof DomainError && error.code === ErrorCode.NotFound) return notAllowed('The token has no access to this workspace.');
  return error;
}

@Injectable()
export class ChecksService {
  /** Devices known to exist, by workspace and id (deleting one is a workspace event). */
  private readonly knownDevices: HotCache<{ exists: true }>;

  constructor(
    private readonly resolver: WorkspaceAccessResolver,
    private readonly authenticator: TokenAuthenticator,
    private readonly devices: DevicesRepository,
    invalidation: Invalidation,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // Keyed `<workspaceId>:<deviceId>`: filed under the workspace (deleting it) and the device (deleting that).
    this.knownDevices = new HotCache(config, {
      tags: (key) => [tag('workspace', key.slice(0, key.indexOf(':'))), tag('device', key.slice(key.indexOf(':') + 1))],
    });
    invalidation.subscribe((event) => this.knownDevices.invalidate(event));
  }

  /**
   * Puts up to `limit` devices of these workspaces among the devices known to exist (the start-up
   * warm-up's, src/checks/check-warm-up.ts), stored on fill()'s terms: a deletion that comes while they
   * are read is not undone.
   */
  async primeDevices(workspaceIds: readonly string[], limit: number, em?: EntityManager): Promise<void> {
    await this.knownDevices.fillMany(async () =>
      (await this.devices.forWarmUp(workspaceIds, limit, em)).map(
        ([workspaceId, deviceId]) => [deviceKey(workspaceId, deviceId), KNOWN] as const,
      ),
    );
  }

  /** Whether the device exists: at once when known (cached), else read. */
  private deviceExists(workspaceId: string, deviceId: string): boolean | Promise<boolean> {
    const key = deviceKey(workspaceId, deviceId);
    if (this.knownDevices.get(key)) return true;
    return this.knownDevices
      .fill(key, async () => ((await this.devices.existing(workspaceId, [deviceId])).size > 0 ? KNOWN : null))
      .then((known) => known !== null);
  }

  /**
   * Allowed only if the token's effective rights in the workspace include the permission, and, for a
   * device-scoped permission, the device is inside the principal's device access. Without a deviceId a
   * device-scoped permission means every device, so it needs device access "all". The rules:
   * assertPermission (permissions.ts) and assertDevicePermission (device-rules.ts).
   * Answered at once, without a promise, when the access row and the device are cached (the hot path,
   * src/checks/token-check-route.ts); otherwise a promise. Either way a refusal may be thrown or rejected.
   */
  authorize(principal: Principal, question: AuthorizeQuestion): WorkspaceAccess | Promise<WorkspaceAccess> {
    let resolved: WorkspaceAccess | Promise<WorkspaceAccess>;
    try {
      resolved = this.resolver.resolve(principal, question.workspaceId);
    } catch (error) {
      throw noAccessIfNotFound(error);
    }
    if (resolved instanceof Promise) {
      return resolved.then(
        (access) => this.decide(access, question),
        (error: unknown) => {
          throw noAccessIfNotFound(error);
        },
      );
    }
    return this.decide(resolved, question);
  }

  private decide(access: WorkspaceAccess, question: AuthorizeQuestion): WorkspaceAccess | Promise<WorkspaceAccess> {
    const { permission, deviceId } = question;
    assertPermission(access, permission, 'principal');
    const toConfirm = assertDevicePermission(access.deviceAccess, permission, deviceId);
    if (toConfirm === null) return access;
    const exists = this.deviceExists(access.workspaceId, toConfirm);
    if (exists === true) return access;
    if (exists === false) throw unknownDevice();
    return exists.then((known) => {
      if (!known) throw unknownDevice();
      return access;
    });
  }

  /**
   * RFC 7662. A platform key sees every workspace the token reaches; a principal only the workspaces
   * where it holds tokens:read. Anything unknown, dead or out of sight is exactly { active: false }.
   */
  async introspect(caller: Principal | 'platform', secret: string): Promise<IntrospectionView> {
    let subject: Principal;
    try {
      subject = await this.authenticator.authenticate(secret, '', { recordUse: false, checkNetwork: false });
    } catch {
      return { active: false };
    }
    const reached = await this.workspacesReached(subject);
    const visible: Array<{ workspaceId: string; reach: DeviceAccess }> = [];
    for (const workspaceId of reached) {
      // One past the limit only tells that the list is cut.
      if (visible.length > MAX_INTROSPECTED_WORKSPACES) break;
      const reach = caller === 'platform' ? EVERY_DEVICE : await this.callerReachIfMayRead(caller, workspaceId);
      if (reach) visible.push({ workspaceId, reach });
    }
    if (visible.length === 0) return { active: false };
    const truncated = visible.length > MAX_INTROSPECTED_WORKSPACES;
    if (truncated) visible.length = MAX_INTROSPECTED_WORKSPACES;

    const workspaces: IntrospectedWorkspaceView[] = [];
    for (const { workspaceId, reach } of visible) {
      try {
        const access = await this.resolver.resolve(subject, workspaceId);
        const deviceAccess = accessWithinReach(reach, access.deviceAccess);
        workspaces.push({ id: workspaceId, permissions: [...access.permissions].sort(), deviceAccess });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        workspaces.push({ id: workspaceId, permissions: [], deviceAccess: null, refused: error.code });
      }
    }
    const token = subject.token;
    return {
      active: true,
      sub: subject.id,
      principal_type: subject.type,
      token_type: token.kind,
      token_id: token.id,
      scope: token.scopes.join(' '),
      iat: Math.floor(token.createdAt.getTime() / 1000),
      ...(token.expiresAt ? { exp: Math.floor(token.expiresAt.getTime() / 1000) } : {}),
      ...(subject.type === 'user' ? { username: subject.email } : {}),
      workspaces,
      ...(truncated ? { workspaces_truncated: true as const } : {}),
      ...(token.usableFromCidrs ? { allowed_cidrs: [...token.usableFromCidrs] } : {}),
    };
  }

  /** The caller's device access in the workspace when it holds tokens:read there, else null. */
  private async callerReachIfMayRead(caller: Principal, workspaceId: string): Promise<DeviceAccess | null> {
    try {
      const access = await this.resolver.resolve(caller, workspaceId);
      return access.permissions.has('tokens:read') ? access.deviceAccess : null;
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  /** The workspaces a token can reach: its principal's memberships, within its restriction, minus blocks. */
  private async workspacesReached(subject: Principal): Promise<string[]> {
    const { workspaceIds, blockedWorkspaceIds } = subject.token;
    return (await this.resolver.memberOf(subject)).filter(
      (id) => (workspaceIds === null || workspaceIds.includes(id)) && !blockedWorkspaceIds.includes(id),
    );
  }
}
