// The request bodies' limits from openapi.json, for the forms' maxlength and min/max: a user learns a
// limit while typing, not after sending. test/contract/web-limits.e2e-spec.ts checks each against the
// served document, so a limit changed on the server fails there until it is changed here too.
export const LIMITS = {
  /** RegisterDto.name, UpdateMeDto.name */
  userName: 200,
  /** RegisterDto.email, LoginDto.email, CreateInvitationDto.email */
  email: 254,
  /** RegisterDto.password, UpdateMeDto.password */
  password: 1024,
  /** RegisterDto.password, PasswordResetConfirmDto.newPassword minimum */
  passwordMin: 12,
  /** CreateWorkspaceDto.name, UpdateWorkspaceDto.name */
  workspaceName: 100,
  /** CreateWorkspaceDto.slug, UpdateWorkspaceDto.slug */
  slug: 63,
  /** CreateRoleDto.name */
  roleName: 100,
  /** CreateRoleDto.description */
  roleDescription: 500,
  /** CreateDeviceDto.name */
  deviceName: 200,
  /** CreateDeviceDto.serial */
  serial: 128,
  /** CreateApiUserDto.name */
  apiUserName: 100,
  /** CreateNamedTokenDto.name, CreateApiUserTokenDto.name */
  tokenName: 100,
  /** CreateNamedTokenDto.description, CreateApiUserTokenDto.description, UpdateTokenDto.description */
  tokenDescription: 500,
  /** CreateNamedTokenDto.expiresInDays maximum */
  namedTokenDays: 366,
  /** CreateApiUserTokenDto.expiresInDays maximum */
  apiUserTokenDays: 3650,
  /** CreateInvitationDto.expiresInDays maximum */
  invitationDays: 30,
  /** TokenPolicyDto.maxLifetimeDays maximum, TokenPolicyDto.revokeUnusedAfterDays maximum */
  policyDays: 3650,
  /** TokenPolicyDto.revokeUnusedAfterDays minimum */
  unusedDaysMin: 14,
  /** CreateWebhookDto.url, UpdateWebhookDto.url */
  webhookUrl: 2048,
  /** CreateWebhookDto.description, UpdateWebhookDto.description */
  webhookDescription: 500,
  /** CreateTrustRuleDto.issuer */
  trustIssuer: 512,
  /** CreateTrustRuleDto.audience */
  trustAudience: 256,
  /** CreateTrustRuleDto.subject */
  trustCondition: 512,
  /** CreateTrustRuleDto.description */
  trustDescription: 200,
  /** RotateWebhookSecretDto.overlapSeconds maximum */
  webhookOverlapSeconds: 604800,
  /** CreateTeamDto.name, UpdateTeamDto.name */
  teamName: 100,
  /** CreateTeamDto.description, UpdateTeamDto.description */
  teamDescription: 500,
} as const;

/** Where each limit is in openapi.json: schema, property, and which keyword. */
export const LIMIT_SOURCES: Record<
  keyof typeof LIMITS,
  Array<[schema: string, property: string, keyword: 'maxLength' | 'minLength' | 'maximum' | 'minimum']>
> = {
  userName: [
    ['RegisterDto', 'name', 'maxLength'],
    ['UpdateMeDto', 'name', 'maxLength'],
  ],
  email: [
    ['RegisterDto', 'email', 'maxLength'],
    ['LoginDto', 'email', 'maxLength'],
    ['CreateInvitationDto', 'email', 'maxLength'],
  ],
  password: [
    ['RegisterDto', 'password', 'maxLength'],
    ['UpdateMeDto', 'password', 'maxLength'],
    ['PasswordResetConfirmDto', 'newPassword', 'maxLength'],
  ],
  passwordMin: [
    ['RegisterDto', 'password', 'minLength'],
    ['PasswordResetConfirmDto', 'newPassword', 'minLength'],
  ],
  workspaceName: [
    ['CreateWorkspaceDto', 'name', 'maxLength'],
    ['UpdateWorkspaceDto', 'name', 'maxLength'],
  ],
  slug: [
    ['CreateWorkspaceDto', 'slug', 'maxLength'],
    ['UpdateWorkspaceDto', 'slug', 'maxLength'],
  ],
  roleName: [
    ['CreateRoleDto', 'name', 'maxLength'],
    ['UpdateRoleDto', 'name', 'maxLength'],
  ],
  roleDescription: [
    ['CreateRoleDto', 'description', 'maxLength'],
    ['UpdateRoleDto', 'description', 'maxLength'],
  ],
  deviceName: [
    ['CreateDeviceDto', 'name', 'maxLength'],
    ['UpdateDeviceDto', 'name', 'maxLength'],
  ],
  serial: [
    ['CreateDeviceDto', 'serial', 'maxLength'],
    ['UpdateDeviceDto', 'serial', 'maxLength'],
  ],
  apiUserName: [
    ['CreateApiUserDto', 'name', 'maxLength'],
    ['UpdateApiUserDto', 'name', 'maxLength'],
  ],
  tokenDescription: [
    ['CreateNamedTokenDto', 'description', 'maxLength'],
    ['CreateApiUserTokenDto', 'description', 'maxLength'],
    ['UpdateTokenDto', 'description', 'maxLength'],
  ],
  tokenName: [
    ['CreateNamedTokenDto', 'name', 'maxLength'],
    ['CreateApiUserTokenDto', 'name', 'maxLength'],
  ],
  namedTokenDays: [['CreateNamedTokenDto', 'expiresInDays', 'maximum']],
  apiUserTokenDays: [['CreateApiUserTokenDto', 'expiresInDays', 'maximum']],
  invitationDays: [['CreateInvitationDto', 'expiresInDays', 'maximum']],
  policyDays: [
    ['TokenPolicyDto', 'maxLifetimeDays', 'maximum'],
    ['TokenPolicyDto', 'revokeUnusedAfterDays', 'maximum'],
  ],
  unusedDaysMin: [['TokenPolicyDto', 'revokeUnusedAfterDays', 'minimum']],
  webhookUrl: [
    ['CreateWebhookDto', 'url', 'maxLength'],
    ['UpdateWebhookDto', 'url', 'maxLength'],
  ],
  trustIssuer: [['CreateTrustRuleDto', 'issuer', 'maxLength']],
  trustAudience: [['CreateTrustRuleDto', 'audience', 'maxLength']],
  trustCondition: [['CreateTrustRuleDto', 'subject', 'maxLength']],
  trustDescription: [['CreateTrustRuleDto', 'description', 'maxLength']],
  webhookDescription: [
    ['CreateWebhookDto', 'description', 'maxLength'],
    ['UpdateWebhookDto', 'description', 'maxLength'],
  ],
  webhookOverlapSeconds: [['RotateWebhookSecretDto', 'overlapSeconds', 'maximum']],
  teamName: [
    ['CreateTeamDto', 'name', 'maxLength'],
    ['UpdateTeamDto', 'name', 'maxLength'],
  ],
  teamDescription: [
    ['CreateTeamDto', 'description', 'maxLength'],
    ['UpdateTeamDto', 'description', 'maxLength'],
  ],
};
