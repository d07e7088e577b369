// Names the pages use for the schemas of openapi.json (generated into schema.d.ts): aliases only,
// so a change in the document reaches every page that reads the field.
import type { components } from './schema';

type Schemas = components['schemas'];

export type { FieldProblem, Problem } from './client';

/** The envelope every paged list answers with (WorkspacePage, TokenPage…), over its items. */
export type Page<Item> = Omit<Schemas['WorkspacePage'], 'items'> & { items: Item[] };

export type User = Schemas['UserView'];
export type Catalog = Schemas['PermissionCatalogView'];
/** What a role grants in a workspace. */
export type Permission = Schemas['PermissionView']['name'];
/** What a named token may carry: permissions, account scopes, or "*". */
export type TokenScope = Schemas['CreateNamedTokenDto']['scopes'][number];
/** What an API user's token may carry: permissions or "*". */
export type ApiUserTokenScope = NonNullable<Schemas['CreateApiUserTokenDto']['scopes']>[number];

export type Token = Schemas['TokenView'];
/** An API user's trust rule: outside OIDC tokens that may sign it in (workload identity federation). */
export type TrustRule = Schemas['TrustRuleView'];
/** A token in the one answer that carries its secret. */
export type IssuedToken = Schemas['IssuedTokenView'];
/** A token as a workspace governs it: its owner and the token policy's verdict. */
export type GovernedToken = Schemas['WorkspaceTokenView'];
export type TokenPolicy = Schemas['TokenPolicyView'];
/** A token's or API user's own rate limit: `limit` requests per `windowSeconds`. */
export type RateLimit = Schemas['RateLimitView'];
/** A token's requests and refusals per hour (sparse) over the last days. */
export type TokenUsage = Schemas['TokenUsageView'];

export type Workspace = Schemas['WorkspaceView'];
/** GET /v1/workspaces/{wid}: the workspace with the caller's access in it. */
export type WorkspaceDetail = Schemas['WorkspaceWithAccessView'];
export type CallerAccess = Schemas['CallerAccessView'];

export type Role = Schemas['RoleView'];
export type Member = Schemas['MemberView'];
/** Every device, or the ones named: the two shapes told apart by `mode`. */
export type DeviceAccess = Schemas['AllDevicesView'] | Schemas['SelectedDevicesView'];
export type Invitation = Schemas['InvitationView'];
export type InvitationStatus = Invitation['status'];
/** An invitation to the signed-in user, with the workspace it is for. */
export type PendingInvitation = Schemas['MyInvitationView'];
export type Device = Schemas['DeviceView'];
export type ApiUser = Schemas['ApiUserView'];
/** One API user as its page reads it: with what the caller may do to it and what its tokens may carry. */
export type ApiUserDetail = Schemas['ApiUserDetailView'];
export type AuditEvent = Schemas['AuditEventView'];
export type Session = Schemas['SessionView'];
export type InvitationPreview = Schemas['InvitationPreviewView'];
export type TokenPolicyPreview = Schemas['TokenPolicyPreviewView'];
export type WebhookEndpoint = Schemas['WebhookEndpointView'];
export type Team = Schemas['TeamView'];
export type WebhookDelivery = Schemas['WebhookDeliveryView'];
/** The events an endpoint may subscribe to (webhook.test is sent on request only). */
export type WebhookEvent = Schemas['CreateWebhookDto']['events'][number];
