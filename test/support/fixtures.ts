// Shared fixtures for the e2e specs, all made through HTTP as a client would:
//   const ws = await newWorkspace(t);                        // a new owner and their workspace
//   const d1 = (await ws.device()).id;
//   const viewer = await ws.member('viewer', { devices: [d1] });
//   const bot = await ws.apiUser({ roles: ['viewer'], devices: [d1] });
import { randomBytes } from 'node:crypto';
import { bearer, inviteAndAccept, RegisteredUser, registerUser, uniqueEmail } from './api';
import type { TestApp } from './test-app';

export type RoleName = 'owner' | 'admin' | 'member' | 'viewer';
export type DeviceAccess = { mode: 'all' } | { mode: 'selected'; deviceIds: string[] };

export interface Device {
  id: string;
  name: string;
  serial: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface Member extends RegisteredUser {
  /** The invitation they accepted. */
  invitationId: string;
}

export interface ApiUser {
  id: string;
  /** Its first token (lka_), returned once at creation. */
  token: string;
  tokenId: string;
}

/** Roles by built-in name or by id (custom roles). */
type RoleRef = RoleName | { id: string };

export interface MemberOptions {
  /** Device access: every device unless these device ids are given. */
  devices?: string[];
  /** Device access as the API takes it, for the rare test that needs another shape; wins over `devices`. */
  deviceAccess?: DeviceAccess;
  /** More roles besides the first. */
  alsoRoles?: RoleRef[];
  /** Whose token sends the invitation: the owner's personal token unless given. */
  by?: string;
  /** Invite this existing user instead of registering a new one. */
  user?: RegisteredUser;
}

export function deviceAccessOf(options: { devices?: string[]; deviceAccess?: DeviceAccess }): DeviceAccess {
  return options.deviceAccess ?? (options.devices ? { mode: 'selected', deviceIds: options.devices } : { mode: 'all' });
}

/** A workspace a test owns: its owner, the ids of its built-in roles, and ways to fill it. */
export class WorkspaceFixture {
  constructor(
    readonly t: TestApp,
    readonly id: string,
    readonly slug: string,
    readonly name: string,
    readonly owner: RegisteredUser,
    /** Built-in role ids by name. */
    readonly roles: Record<RoleName, string>,
    /** Role id -> its permissions, for every role this fixture knows (built-in and made by role()). */
    readonly permissionsOf: Map<string, string[]>,
  ) {}

  roleId(role: RoleRef): string {
    return typeof role === 'string' ? this.roles[role] : role.id;
  }

  /** A new user (or `options.user`) invited with this role and device access, who accepts with their personal token. */
  async member(role: RoleRef, options: MemberOptions = {}): Promise<Member> {
    const user = options.user ?? (await registerUser(this.t, uniqueEmail(typeof role === 'string' ? role : 'custom')));
    const roleIds = [role, ...(options.alsoRoles ?? [])].map((r) => this.roleId(r));
    const invitationId = await inviteAndAccept(
      this.t,
      options.by ?? this.owner.personalToken,
      this.id,
      user,
      roleIds,
      deviceAccessOf(options),
    );
    return { ...user, invitationId };
  }

  /** A device made by the owner (or `by`): name "Sensor" and a random serial unless given. */
  async device(
    body: { name?: string; serial?: string; metadata?: Record<string, unknown> } = {},
    by = this.owner.personalToken,
  ): Promise<Device> {
    const res = await this.t
      .http()
      .post(`/v1/workspaces/${this.id}/devices`)
      .set(bearer(by))
      .send({ name: 'Sensor', serial: `SN-${randomBytes(5).toString('hex')}`, ...body });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** A custom role with these permissions, made by the owner; its id. */
  async role(permissions: string[], name = `role-${randomBytes(3).toString('hex')}`): Promise<string> {
    const res = await this.t
      .http()
      .post(`/v1/workspaces/${this.id}/roles`)
      .set(bearer(this.owner.personalToken))
      .send({ name, permissions })
      .expect(201);
    this.permissionsOf.set(res.body.id, permissions);
    return res.body.id;
  }

  /** An API user made by the owner (or `by`) with these roles and device access. */
  async apiUser(options: {
    roles: RoleRef[];
    devices?: string[];
    deviceAccess?: DeviceAccess;
    name?: string;
    by?: string;
  }): Promise<ApiUser> {
    const res = await this.t
      .http()
      .post(`/v1/workspaces/${this.id}/api-users`)
      .set(bearer(options.by ?? this.owner.personalToken))
      .send({
        name: options.name ?? `bot-${randomBytes(3).toString('hex')}`,
        roleIds: options.roles.map((r) => this.roleId(r)),
        deviceAccess: deviceAccessOf(options),
      })
      .expect(201);
    return { id: res.body.apiUser.id, token: res.body.token.secret, tokenId: res.body.token.id };
  }
}

/** A workspace made by `owner` (a new user unless given), named `name` (random unless given). */
export async function newWorkspace(
  t: TestApp,
  owner?: RegisteredUser,
  name = `Workspace ${randomBytes(3).toString('hex')}`,
): Promise<WorkspaceFixture> {
  const by = owner ?? (await registerUser(t));
  const res = await t.http().post('/v1/workspaces').set(bearer(by.personalToken)).send({ name }).expect(201);
  return workspaceOf(t, by, res.body.id, res.body.slug, name);
}

/** The fixture for a workspace made some other way, owned by `owner`. */
export async function workspaceOf(t: TestApp, owner: RegisteredUser, id: string, slug = '', name = ''): Promise<WorkspaceFixture> {
  const listed = await t.http().get(`/v1/workspaces/${id}/roles`).set(bearer(owner.personalToken)).expect(200);
  const items: Array<{ id: string; name: string; builtIn: boolean; permissions: string[] }> = listed.body.items;
  const roles = Object.fromEntries(items.filter((r) => r.builtIn).map((r) => [r.name, r.id])) as Record<RoleName, string>;
  return new WorkspaceFixture(t, id, slug, name, owner, roles, new Map(items.map((r) => [r.id, r.permissions])));
}
