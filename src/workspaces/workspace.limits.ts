// The workspace domain's field limits, written once for the DTOs that enforce them and the views that
// document what comes back.

export const WORKSPACE_NAME_MAX = 100;
/** What SlugString (common/dto-fields.ts) lets through: a DNS label. */
export const SLUG_MAX = 63;
export const ROLE_NAME_MAX = 100;
export const ROLE_DESCRIPTION_MAX = 500;
/** The most roles one grant (a member, an invitation, an API user) may hold. */
export const MAX_ROLES_PER_GRANT = 20;
/** The longest token lifetime a workspace's token policy may set, in days (ten years). */
export const MAX_LIFETIME_DAYS_MAX = 3650;
/** The longest an invitation may stay open, in days. */
export const INVITATION_DAYS_MAX = 30;
/** What EmailAddressField (accounts/email-address.ts) lets through: RFC 5321's longest path. */
export const EMAIL_MAX = 254;
/** What RegisterDto and UpdateMeDto (accounts/accounts.dto.ts) let through for a user's name. */
export const USER_NAME_MAX = 200;
