// The workspace domain's field limits, written once for the DTOs that enforce them and the views that
// document what comes back.

export const WORKSPACE_NAME_MAX = 100;
export const ROLE_NAME_MAX = 100;
export const ROLE_DESCRIPTION_MAX = 500;
/** The most roles one grant (a member, an invitation, an API user) may hold. */
export const MAX_ROLES_PER_GRANT = 20;
/**
 * The most roles a workspace holds, its four built-in ones included: one page (MAX_PAGE_SIZE), so the
 * unpaged role list (REST and GraphQL) answers at most a page, and GraphQL prices it at that (review 16b).
 */
export const MAX_ROLES_PER_WORKSPACE = 200;
/** The longest token lifetime a workspace's token policy may set, in days (ten years). */
export const MAX_LIFETIME_DAYS_MAX = 3650;
/** The warning goes out a week before: a shorter span would revoke tokens on the day they were warned about. */
export const REVOKE_UNUSED_AFTER_DAYS_MIN = 14;
/** The longest an invitation may stay open, in days. */
export const INVITATION_DAYS_MAX = 30;
/** How long an invitation stays open when its issuer does not say. */
export const INVITATION_DAYS_DEFAULT = 7;
