// The GraphQL object types: the REST answers' shapes, field for field, so one view serves both.
import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, createUnionType } from '@nestjs/graphql';
import { JSONObjectScalar } from './json-scalar';

@ObjectType('Permission', { description: 'A permission of the catalog, or an account scope' })
export class PermissionType {
  @Field() name: string;
  @Field() description: string;
}

@ObjectType('PermissionCatalog', { description: 'As GET /v1/permissions' })
export class PermissionCatalogType {
  @Field(() => [PermissionType]) permissions: PermissionType[];
  @Field(() => [PermissionType], { description: 'Scopes a token may carry besides the permissions' }) accountScopes: PermissionType[];
}

@ObjectType('DeviceAccess')
export class DeviceAccessType {
  @Field({ description: 'all or selected' }) mode: string;
  @Field(() => [ID], { nullable: true, description: 'With mode selected: the devices, by id' }) deviceIds?: string[];
}

@ObjectType('RoleRef')
export class RoleRefType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ nullable: true }) builtIn?: boolean;
  @Field(() => [String], { nullable: true, description: 'On me: what the role grants' }) permissions?: string[];
}

@ObjectType('Role')
export class RoleType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => [String]) permissions: string[];
  @Field() builtIn: boolean;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@ObjectType('Member')
export class MemberType {
  @Field(() => ID) userId: string;
  @Field() email: string;
  @Field() name: string;
  @Field(() => [RoleRefType]) roles: RoleRefType[];
  @Field(() => DeviceAccessType) deviceAccess: DeviceAccessType;
  @Field(() => GraphQLISODateTime) joinedAt: Date;
}

@ObjectType('Device')
export class DeviceType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() serial: string;
  @Field(() => JSONObjectScalar) metadata: Record<string, unknown>;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@ObjectType('RateLimit', { description: 'An own rate limit: `limit` requests per `windowSeconds` (docs/rate-limits.md)' })
export class RateLimitType {
  @Field(() => Int) limit: number;
  @Field(() => Int) windowSeconds: number;
}

@ObjectType('TokenUsageBucket')
export class TokenUsageBucketType {
  @Field(() => GraphQLISODateTime, { description: 'The hour (its start, UTC)' }) hour: Date;
  @Field(() => Float, { description: 'Authenticated requests in that hour, refused ones included' }) requests: number;
  @Field(() => Float, { description: 'Of those, the ones refused (401, 403, 429) after the token was identified' }) refusals: number;
}

@ObjectType('TokenUsageTotals')
export class TokenUsageTotalsType {
  @Field(() => Float) requests: number;
  @Field(() => Float) refusals: number;
}

@ObjectType('TokenUsage', { description: "A token's requests and refusals per hour (as GET …/tokens/{tokenId}/usage)" })
export class TokenUsageType {
  @Field(() => ID) tokenId: string;
  @Field(() => Int) days: number;
  @Field(() => GraphQLISODateTime) since: Date;
  @Field(() => [TokenUsageBucketType], { description: 'Hours with use, oldest first (sparse)' }) buckets: TokenUsageBucketType[];
  @Field(() => TokenUsageTotalsType) totals: TokenUsageTotalsType;
  @Field({ description: "true: a member's token reaching other workspaces too, seen by a workspace's admins: no hours given" })
  hidden: boolean;
}

@ObjectType('Token', { description: 'A token as lists show it: never its secret' })
export class TokenType {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) name: string | null;
  @Field() kind: string;
  @Field() hint: string;
  @Field(() => [String]) scopes: string[];
  @Field(() => [ID], { nullable: true }) workspaceIds: string[] | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) expiresAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastUsedAt: Date | null;
  @Field(() => String, { nullable: true }) lastUsedIp: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt: Date | null;
  @Field(() => ID, { nullable: true }) parentId: string | null;
  @Field(() => ID, { nullable: true }) replacedById: string | null;
  @Field(() => RateLimitType, { nullable: true, description: 'Its own rate limit; null: only the global one' })
  rateLimit: RateLimitType | null;
  @Field({ description: 'false: disabled, refused like a revoked token until enabled again' }) enabled: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true }) disabledAt: Date | null;
  @Field(() => [ID], { nullable: true, description: "Bound to these devices (its device access: its owner's ∩ these); null: not bound" })
  deviceIds: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Usable only from these networks (normalised CIDRs); null: any' })
  allowedCidrs: string[] | null;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => JSONObjectScalar, { nullable: true }) metadata: Record<string, unknown> | null;
}

@ObjectType('IssuedToken', { description: 'A token just made or rotated, with its secret: shown this once' })
export class IssuedTokenType extends TokenType {
  @Field() secret: string;
}

@ObjectType('TokenOwner')
export class TokenOwnerType {
  @Field({ description: 'user or api_user' }) type: string;
  @Field(() => ID) id: string;
  @Field({ nullable: true }) email?: string;
}

@ObjectType('TokenPolicyVerdict')
export class TokenPolicyVerdictType {
  @Field() accepted: boolean;
  @Field({ nullable: true }) reason?: string;
}

@ObjectType('WorkspaceToken', { description: 'A token that can reach the workspace (governance)' })
export class WorkspaceTokenType extends TokenType {
  @Field(() => TokenOwnerType) owner: TokenOwnerType;
  @Field(() => TokenPolicyVerdictType) policy: TokenPolicyVerdictType;
}

@ObjectType('TokenPolicy')
export class TokenPolicyType {
  @Field(() => Int, { nullable: true }) maxLifetimeDays: number | null;
  @Field() allowPersonalTokens: boolean;
  @Field(() => Int, { nullable: true }) revokeUnusedAfterDays: number | null;
}

@ObjectType('WorkspaceSummary')
export class WorkspaceSummaryType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ nullable: true }) slug?: string;
}

@ObjectType('Workspace')
export class WorkspaceType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() slug: string;
  @Field(() => [RoleRefType], { nullable: true, description: 'The roles the caller holds here' }) roles?: RoleRefType[];
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@ObjectType('CallerToken', { description: "The calling token's own facts (as GET /v1/whoami)" })
export class CallerTokenType {
  @Field(() => ID) id: string;
  @Field() kind: string;
  @Field() hint: string;
  @Field(() => [String]) scopes: string[];
  @Field(() => GraphQLISODateTime, { nullable: true }) expiresAt: Date | null;
  @Field(() => [ID], { nullable: true }) workspaceIds: string[] | null;
  @Field(() => [ID], { nullable: true, description: 'The devices it is bound to; null: not bound' }) deviceIds: string[] | null;
  @Field(() => [String], { nullable: true, description: 'The networks it may be used from; null: any' }) allowedCidrs: string[] | null;
}

@ObjectType('User', { description: 'A person. Profile fields need a token holding account:read' })
export class UserType {
  @Field(() => ID) id: string;
  @Field({ nullable: true }) email?: string;
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) status?: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) emailVerifiedAt?: Date | null;
  @Field(() => String, { nullable: true, description: 'An address asked for, not yet proven: it replaces email once its link is opened' })
  pendingEmail?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdAt?: Date;
  @Field(() => CallerTokenType, { nullable: true, description: 'On me: the calling token' }) token?: CallerTokenType;
}

@ObjectType('AdminUser', { description: 'A user as platform administrators see it (as GET /v1/admin/users)' })
export class AdminUserType {
  @Field(() => ID) id: string;
  @Field() email: string;
  @Field() name: string;
  @Field({ description: 'active or deactivated' }) status: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) emailVerifiedAt: Date | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When deactivated; null while active' }) deactivatedAt: Date | null;
}

@ObjectType('ApiUser', { description: 'A headless principal of one workspace' })
export class ApiUserType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => ID) workspaceId: string;
  @Field(() => WorkspaceSummaryType, { nullable: true, description: 'On me: its workspace' }) workspace?: WorkspaceSummaryType;
  @Field({ nullable: true, description: 'active or disabled (not on me)' }) status?: string;
  @Field(() => [RoleRefType]) roles: RoleRefType[];
  @Field(() => DeviceAccessType) deviceAccess: DeviceAccessType;
  @Field(() => ID, { nullable: true }) createdByUserId?: string | null;
  @Field(() => [String], { nullable: true, description: 'Every token of it is usable only from these networks; null: any (not on me)' })
  allowedCidrs?: string[] | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) updatedAt?: Date;
  @Field(() => CallerTokenType, { nullable: true, description: 'On me: the calling token' }) token?: CallerTokenType;
  @Field({ nullable: true, description: 'On apiUser(id): the caller may change it and its tokens (as GET …/api-users/{id})' })
  manageable?: boolean;
  @Field(() => [String], {
    nullable: true,
    description: "On apiUser(id): the scopes a new token of it can carry to some effect, within the caller's token",
  })
  grantablePermissions?: string[];
  @Field(() => RateLimitType, { nullable: true, description: 'One allowance shared by all its tokens (not on me); null: none' })
  rateLimit?: RateLimitType | null;
}

export const CallerUnion = createUnionType({
  name: 'Caller',
  description: 'Who the calling token belongs to',
  types: () => [UserType, ApiUserType] as const,
  resolveType: (value: { workspaceId?: string }) => (value.workspaceId ? ApiUserType : UserType),
});

@ObjectType('Invitation')
export class InvitationType {
  @Field(() => ID) id: string;
  @Field(() => ID) workspaceId: string;
  @Field() email: string;
  @Field(() => [ID]) roleIds: string[];
  @Field(() => DeviceAccessType) deviceAccess: DeviceAccessType;
  @Field() status: string;
  @Field() hint: string;
  @Field(() => ID, { nullable: true }) invitedByUserId: string | null;
  @Field(() => ID, { nullable: true }) invitedByApiUserId: string | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) expiresAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) acceptedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) declinedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt: Date | null;
  @Field({ description: 'The caller may change, resend and revoke it (as REST): asked, not enforced' }) manageable: boolean;
  @Field(() => WorkspaceSummaryType, { nullable: true, description: 'On my invitations: the workspace' }) workspace?: WorkspaceSummaryType;
}

@ObjectType('IssuedInvitation')
export class IssuedInvitationType {
  @Field(() => InvitationType) invitation: InvitationType;
  @Field({ description: 'The invitation token (lki_): shown this once' }) secret: string;
}

@ObjectType('AuditActor')
export class AuditActorType {
  @Field() type: string;
  @Field(() => ID, { nullable: true }) id: string | null;
  @Field(() => ID, { nullable: true }) tokenId: string | null;
}

@ObjectType('AuditTarget')
export class AuditTargetType {
  @Field() type: string;
  @Field(() => ID) id: string;
}

@ObjectType('AuditEvent')
export class AuditEventType {
  @Field(() => ID) id: string;
  @Field() action: string;
  @Field(() => ID, { nullable: true }) workspaceId: string | null;
  @Field(() => AuditActorType) actor: AuditActorType;
  @Field(() => AuditTargetType, { nullable: true }) target: AuditTargetType | null;
  @Field(() => String, { nullable: true }) ip: string | null;
  @Field(() => JSONObjectScalar) details: Record<string, unknown>;
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType('CreatedApiUser')
export class CreatedApiUserType {
  @Field(() => ApiUserType) apiUser: ApiUserType;
  @Field(() => IssuedTokenType) token: IssuedTokenType;
}

@ObjectType('Authorization', { description: 'The answer of /v1/authorize, as a value' })
export class AuthorizationType {
  @Field() allowed: boolean;
  @Field({ nullable: true, description: 'Why not: the code REST answers with (forbidden, insufficient_scope, token_policy…)' })
  code?: string;
  @Field({ nullable: true }) reason?: string;
  @Field(() => ID, { nullable: true }) principalId?: string;
  @Field({ nullable: true }) principalType?: string;
}

@ObjectType('Deleted', { description: 'What a delete or revoke acted on' })
export class DeletedType {
  @Field(() => ID) id: string;
}

@ObjectType('CallerAccess', { description: "What the caller may do in the workspace (its token's scopes applied)" })
export class CallerAccessType {
  @Field() isOwner: boolean;
  @Field(() => [ID]) roleIds: string[];
  @Field(() => [String]) permissions: string[];
  @Field(() => DeviceAccessType) deviceAccess: DeviceAccessType;
}

@ObjectType('AcceptedInvitation')
export class AcceptedInvitationType {
  @Field(() => ID) workspaceId: string;
  @Field(() => MemberType, { nullable: true }) member: MemberType | null;
}

@ObjectType('Session', { description: 'A live sign-in of the caller (as GET /v1/me/sessions)' })
export class SessionType {
  @Field(() => ID) id: string;
  @Field({ description: 'true: a sign-in with the password; false: exchanged from a long-lived token' }) signIn: boolean;
  @Field({ description: 'true: the session this request came with' }) current: boolean;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) expiresAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastUsedAt: Date | null;
  @Field(() => String, { nullable: true }) lastUsedIp: string | null;
  @Field(() => String, { nullable: true, description: "The browser and system, read from the sign-in's User-Agent" }) device: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;
}

@ObjectType('SessionsRevoked')
export class SessionsRevokedType {
  @Field(() => Int, { description: 'How many sessions were ended' }) revoked: number;
}

@ObjectType('PolicyPreviewToken', { description: 'A token the proposed policy would refuse' })
export class PolicyPreviewTokenType extends WorkspaceTokenType {
  @Field(() => TokenPolicyVerdictType, { description: 'The policy in force now: accepted means saving would cut it off' })
  currentPolicy: TokenPolicyVerdictType;
}

@ObjectType('TokenPolicyPreview', { description: 'What saving a policy would refuse (as POST …/token-policy/preview); nothing is saved' })
export class TokenPolicyPreviewType {
  @Field(() => TokenPolicyType) policy: TokenPolicyType;
  @Field(() => Int) checked: number;
  @Field(() => Int) refused: number;
  @Field(() => Int) newlyRefused: number;
  @Field({ description: 'true: saving it would lock the calling token out of the workspace' }) callerRefused: boolean;
  @Field(() => [PolicyPreviewTokenType]) items: PolicyPreviewTokenType[];
  @Field() truncated: boolean;
}

@ObjectType('NamedRef')
export class NamedRefType {
  @Field(() => ID) id: string;
  @Field() name: string;
}

@ObjectType('InvitationPreviewWorkspace')
export class InvitationPreviewWorkspaceType {
  @Field() name: string;
  @Field() slug: string;
}

@ObjectType('InvitationInviter')
export class InvitationInviterType {
  @Field({ description: 'user or api_user' }) type: string;
  @Field() name: string;
}

@ObjectType('InvitationPreviewDevices')
export class InvitationPreviewDevicesType {
  @Field() mode: string;
  @Field(() => [NamedRefType]) devices: NamedRefType[];
}

@ObjectType('InvitationPreview', { description: 'What an invitation offers, for the holder of its link (as POST /v1/invitations/preview)' })
export class InvitationPreviewType {
  @Field(() => InvitationPreviewWorkspaceType) workspace: InvitationPreviewWorkspaceType;
  @Field(() => InvitationInviterType, { nullable: true }) invitedBy: InvitationInviterType | null;
  @Field({ description: 'The invited address, masked' }) emailMasked: string;
  @Field(() => [NamedRefType]) roles: NamedRefType[];
  @Field(() => InvitationPreviewDevicesType) deviceAccess: InvitationPreviewDevicesType;
  @Field(() => GraphQLISODateTime) expiresAt: Date;
}
