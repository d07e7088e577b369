// Who made a thing that acts for an API user (its tokens, trust rules, the API users and webhook endpoints
// it makes), recorded in two columns, created_by_user_id and created_by_api_user_id, at most one set: a
// password reset of a squatted account ends what the squatter made, and what that made (review 15a).
import type { PrincipalRef } from './workspace-access';

/** The maker as its two columns' values: [created_by_user_id, created_by_api_user_id]. */
export function makerColumns(maker: PrincipalRef | null | undefined): [string | null, string | null] {
  if (!maker) return [null, null];
  return maker.type === 'user' ? [maker.id, null] : [null, maker.id];
}
