// Webhook events, derived in this one place from the audit events every change already writes in its
// transaction: an audit action maps to zero or more webhook event types, and the event's data is the
// audit event's ids plus the listed non-secret facts of its details (never a secret, hash or password;
// the audit log holds none either). Each event family names the read permission that shows the same
// data through the API: an endpoint is a standing read of its events, held to that permission.
import type { Actor, AuditEntry } from '../audit/audit-log';
import type { Permission } from '../authorization/permissions';
import { DomainError, ErrorCode } from '../common/errors';

/** Audit action -> the webhook event types it raises. */
const EVENTS_OF_ACTION = {
  'member.joined': ['member.added', 'invitation.accepted'],
  'member.updated': ['member.changed'],
  'member.removed': ['member.removed'],
  'member.left': ['member.removed'],
  'member.invited': ['invitation.created'],
  'invitation.declined': ['invitation.declined'],
  'invitation.revoked': ['invitation.revoked'],
  'api_user.created': ['api_user.created'],
  'api_user.updated': ['api_user.changed'],
  'api_user.enabled': ['api_user.changed'],
  'api_user.disabled': ['api_user.disabled'],
  'api_user.deleted': ['api_user.deleted'],
  'token.created': ['token.created'],
  'token.rotated': ['token.rotated'],
  'token.revoked': ['token.revoked'],
  'token.updated': ['token.changed'],
  'token.disabled': ['token.disabled'],
  'token.enabled': ['token.enabled'],
  'token.expiring': ['token.expiring'],
  'token.leaked': ['token.leaked'],
  'workspace.token_policy_changed': ['token_policy.changed'],
  'device.created': ['device.created'],
  'device.updated': ['device.changed'],
  'device.deleted': ['device.deleted'],
  'team.created': ['team.created'],
  'team.updated': ['team.changed'],
  'team.deleted': ['team.deleted'],
  'team.member_added': ['team.member_added'],
  'team.member_removed': ['team.member_removed'],
} as const satisfies Readonly<Record<string, readonly string[]>>;

/** An event type an endpoint may subscribe to. */
export type WebhookEventType = (typeof EVENTS_OF_ACTION)[keyof typeof EVENTS_OF_ACTION][number];
/** What an event is about: the part of its type before the dot (`token_policy` of `token_policy.changed`). */
type WebhookEventFamily = WebhookEventType extends infer T ? (T extends `${infer Family}.${string}` ? Family : never) : never;

/**
 * The permission that shows, through the API, what an event family's deliveries tell: a delivery is a
 * read of it. Typed by the families above, so an event type of a new family does not compile until
 * it is given one here.
 */
const READ_PERMISSION_OF_FAMILY: Readonly<Record<WebhookEventFamily, Permission>> = {
  member: 'members:read',
  invitation: 'members:read',
  api_user: 'api_users:read',
  token: 'tokens:read',
  token_policy: 'workspace:read',
  device: 'devices:read',
  team: 'teams:read',
};

/** Sent by POST …/webhooks/:id/test to that endpoint alone; no endpoint subscribes to it. */
export const TEST_EVENT = 'webhook.test';

/** Every event type an endpoint may subscribe to, sorted. */
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [...new Set(Object.values(EVENTS_OF_ACTION).flat())].sort();

export function webhookEventsOf(action: string): readonly WebhookEventType[] {
  return Object.hasOwn(EVENTS_OF_ACTION, action) ? (EVENTS_OF_ACTION as Record<string, readonly WebhookEventType[]>)[action] : [];
}

/**
 * The permission a reader of this event type's deliveries needs; null for the test event, which tells
 * only ids the caller already sees. By family, so a delivery kept from before an event was renamed is
 * still judged; a type of no known family is a bug (the catalog lost a family rows still name): it throws.
 */
export function readPermissionOf(type: string): Permission | null {
  if (type === TEST_EVENT) return null;
  const family = type.slice(0, type.indexOf('.'));
  if (!Object.hasOwn(READ_PERMISSION_OF_FAMILY, family)) throw new Error(`no read permission for the webhook event type ${type}`);
  return READ_PERMISSION_OF_FAMILY[family as WebhookEventFamily];
}

/** The permissions that reading these events needs, sorted, without repeats. */
export function readPermissionsOf(types: readonly string[]): Permission[] {
  const needed = new Set<Permission>();
  for (const type of types) {
    const permission = readPermissionOf(type);
    if (permission) needed.add(permission);
  }
  return [...needed].sort();
}

/** What a caller holds in the workspace: its roles' permissions, and those narrowed by its token. */
export interface EventReader {
  rolePermissions: ReadonlySet<Permission>;
  permissions: ReadonlySet<Permission>;
}

/** Every event type whose deliveries the caller may read, the test event included. */
export function readableEvents(reader: EventReader): string[] {
  return [...WEBHOOK_EVENT_TYPES.filter((type) => reader.permissions.has(readPermissionOf(type) as Permission)), TEST_EVENT];
}

/**
 * 403 unless the caller holds the read permission of every event type given: creating an endpoint for
 * them, changing, testing or deleting one, reading its deliveries or redelivering one is reading them.
 * forbidden when the roles lack one, insufficient_scope when only the token does; the detail names them.
 */
export function assertReadsEvents(reader: EventReader, types: readonly string[], what: string): void {
  const refuse = (held: ReadonlySet<Permission>, code: ErrorCode, why: string) => {
    const unread = [...new Set(types)].filter((type) => {
      const permission = readPermissionOf(type);
      return permission !== null && !held.has(permission);
    });
    if (unread.length === 0) return;
    const missing = readPermissionsOf(unread).join(', ');
    throw new DomainError(code, `You cannot ${what}: ${unread.sort().join(', ')} need ${missing}, ${why}.`);
  };
  refuse(reader.rolePermissions, ErrorCode.Forbidden, 'which your roles in this workspace do not grant');
  refuse(reader.permissions, ErrorCode.InsufficientScope, 'which the token lacks as a scope');
}

/** The facts of an audit event's details a webhook carries; anything else stays in the audit log. */
const DATA_KEYS = [
  'name',
  'serial',
  'email',
  'roleIds',
  'deviceAccess',
  'fields',
  'expiresAt',
  'apiUserId',
  'replacedBy',
  'graceSeconds',
  'scopes',
  'workspaceIds',
  'maxLifetimeDays',
  'allowPersonalTokens',
  'revokeUnusedAfterDays',
  'days',
  'kind',
  'reporter',
  'where',
  'source',
  'principalType',
  'principalId',
] as const;

export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export function webhookPayload(type: string, at: Date, actor: Actor, entry: AuditEntry): WebhookPayload {
  const details = entry.details ?? {};
  const facts: Record<string, unknown> = {};
  for (const key of DATA_KEYS) if (details[key] !== undefined) facts[key] = details[key];
  return {
    type,
    timestamp: at.toISOString(),
    data: {
      workspaceId: entry.workspaceId ?? null,
      actor: { type: actor.type, id: actor.id },
      target: entry.target ?? null,
      ...facts,
    },
  };
}
