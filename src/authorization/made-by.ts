// Who made a thing that acts for an API user (its tokens, trust rules, the API users and webhook endpoints
// it makes), recorded in three columns: created_by_user_id or created_by_api_user_id (the principal), and
// created_by_token_id (the token it acted with). A password reset of a squatted account follows the
// tokens to end what the squatter made, and what that made (reviews 15a and 16a). A webhook endpoint's
// maker is whoever last pointed it at its URL; an invitation's, whoever last changed or resent it (reviews
// 17a, 18a). What a deleted API user made is recorded as made by that API user's own maker (review 18a).
import type { Principal } from '../auth/principal';

/** A maker: the principal and the token it acted with. */
export type Maker = Pick<Principal, 'type' | 'id'> & { token: { id: string } };

/** The maker as its three columns' values: [created_by_user_id, created_by_api_user_id, created_by_token_id]. */
export function makerColumns(maker: Maker | null | undefined): [string | null, string | null, string | null] {
  if (!maker) return [null, null, null];
  return maker.type === 'user' ? [maker.id, null, maker.token.id] : [null, maker.id, maker.token.id];
}
