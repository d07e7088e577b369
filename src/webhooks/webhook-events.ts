// Webhook events, derived in this one place from the audit events every change already writes in its
// transaction: an audit action maps to zero or more webhook event types, and the event's data is the
// audit event's ids plus the listed non-secret facts of its details (never a secret, hash or password;
// the audit log holds none either).
import type { Actor, AuditEntry } from '../audit/audit-log';

/** Audit action -> the webhook event types it raises. */
const EVENTS_OF_ACTION: Readonly<Record<string, readonly string[]>> = {
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
};

/** Sent by POST …/webhooks/:id/test to that endpoint alone; no endpoint subscribes to it. */
export const TEST_EVENT = 'webhook.test';

/** Every event type an endpoint may subscribe to, sorted. */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [...new Set(Object.values(EVENTS_OF_ACTION).flat())].sort();

export function webhookEventsOf(action: string): readonly string[] {
  return Object.hasOwn(EVENTS_OF_ACTION, action) ? EVENTS_OF_ACTION[action] : [];
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
