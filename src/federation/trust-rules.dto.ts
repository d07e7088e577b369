// What a client sends to make a trust rule, and what it sees of one.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, Matches } from 'class-validator';
import { ALL_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { BoundedString, IntInRange, ScopeList } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { DATE_TIME } from '../common/view-fields';
import { CONDITION_MAX_LENGTH, MAX_CLAIM_CONDITIONS } from './trust-conditions';
import type { TrustRuleRecord } from './trust-rules.repository';

export const ISSUER_MAX_LENGTH = 512;
export const AUDIENCE_MAX_LENGTH = 256;
/** A rule's audience: printable ASCII without spaces. The exchange leaves a token's other audiences out of its lookup. */
export const AUDIENCE_PATTERN = new RegExp(`^[\\x21-\\x7e]{1,${AUDIENCE_MAX_LENGTH}}$`);
export const TRUST_RULE_DESCRIPTION_MAX_LENGTH = 200;
/** Sessions from an exchange last an hour at most; a rule may shorten that. */
export const MAX_FEDERATED_SESSION_SECONDS = 3600;
export const MIN_FEDERATED_SESSION_SECONDS = 60;
/** Trust rules one API user may have. */
export const MAX_TRUST_RULES_PER_API_USER = 20;

const RULE_SCOPES = [...PERMISSIONS, ALL_SCOPES];
const CLAIMS_SCHEMA = {
  type: 'object',
  maxProperties: MAX_CLAIM_CONDITIONS,
  additionalProperties: { type: 'string', minLength: 1, maxLength: CONDITION_MAX_LENGTH },
  example: { repository: 'my-org/deploy-tools', ref: 'refs/heads/*' },
} as const;

export class CreateTrustRuleDto {
  @ApiProperty({
    example: 'https://token.actions.githubusercontent.com',
    description:
      "The OIDC issuer, exactly as the tokens' `iss` says: https (http only where LATCHKEY_FEDERATION_ALLOW_HTTP is set), " +
      'printable ASCII (an international name as punycode), no credentials, query or fragment, a public host. Its keys ' +
      'are found through <issuer>/.well-known/openid-configuration',
  })
  @BoundedString({ min: 1, max: ISSUER_MAX_LENGTH })
  issuer: string;

  @ApiProperty({
    example: 'https://latchkey.example.com',
    maxLength: AUDIENCE_MAX_LENGTH,
    description: "A value the token's `aud` must hold (GitHub: the `audience` asked for; GitLab: `id_tokens: …: aud`)",
  })
  @IsString()
  @Matches(AUDIENCE_PATTERN, {
    message: `must be 1 to ${AUDIENCE_MAX_LENGTH} printable ASCII characters without spaces`,
  })
  audience: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: CONDITION_MAX_LENGTH,
    example: 'repo:my-org/deploy-tools:ref:refs/heads/main',
    description: "The token's `sub`, exactly. A rule needs subject or a claim condition that is not only wildcards",
  })
  @Optional()
  subject?: string | null;

  @ApiPropertyOptional({
    ...CLAIMS_SCHEMA,
    description:
      'Claim name -> an exact value or a glob: `*` matches any run of characters except `/` (`refs/heads/*` matches ' +
      'refs/heads/main, not refs/heads/a/b); every other character is itself. Every condition must hold. iss, aud, exp, nbf, ' +
      'iat, jti and sub cannot be named (sub: use subject)',
  })
  @Optional()
  @IsObject()
  claims?: Record<string, string>;

  @ApiPropertyOptional({
    type: [String],
    description: 'Narrows the sessions to these permissions (within the API user\'s rights); default ["*"]: all it has',
  })
  @Optional()
  @ScopeList(RULE_SCOPES, 'each value must be a permission of the catalog or *', { min: 1, max: PERMISSIONS.length })
  scopes?: string[];

  @ApiPropertyOptional({ description: `How long its sessions last at most; default and ceiling ${MAX_FEDERATED_SESSION_SECONDS}` })
  @Optional()
  @IntInRange(MIN_FEDERATED_SESSION_SECONDS, MAX_FEDERATED_SESSION_SECONDS)
  maxSessionSeconds?: number;

  @ApiPropertyOptional({ default: '', example: 'Deploys from main' })
  @Optional()
  @BoundedString({ max: TRUST_RULE_DESCRIPTION_MAX_LENGTH })
  description?: string;
}

export class TrustRuleView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ format: 'uuid', maxLength: 36 })
  apiUserId: string;

  @ApiProperty({ maxLength: TRUST_RULE_DESCRIPTION_MAX_LENGTH })
  description: string;

  @ApiProperty({ maxLength: ISSUER_MAX_LENGTH })
  issuer: string;

  @ApiProperty({ maxLength: AUDIENCE_MAX_LENGTH })
  audience: string;

  @ApiProperty({ type: String, nullable: true, maxLength: CONDITION_MAX_LENGTH })
  subject: string | null;

  @ApiProperty(CLAIMS_SCHEMA)
  claims: Record<string, string>;

  @ApiProperty({
    enum: RULE_SCOPES,
    isArray: true,
    maxItems: PERMISSIONS.length,
    description: "What its sessions may hold, within the API user's rights",
  })
  scopes: string[];

  @ApiProperty({ type: 'integer', minimum: MIN_FEDERATED_SESSION_SECONDS, maximum: MAX_FEDERATED_SESSION_SECONDS })
  maxSessionSeconds: number;

  @ApiProperty(DATE_TIME)
  createdAt: Date;
}

export class TrustRuleListView {
  @ApiProperty({ type: [TrustRuleView], maxItems: MAX_TRUST_RULES_PER_API_USER })
  items: TrustRuleView[];
}

export function toTrustRuleView(rule: TrustRuleRecord): TrustRuleView {
  return {
    id: rule.id,
    apiUserId: rule.apiUserId,
    description: rule.description,
    issuer: rule.issuer,
    audience: rule.audience,
    subject: rule.subject,
    claims: rule.claims,
    scopes: rule.scopes ?? [ALL_SCOPES],
    maxSessionSeconds: rule.maxSessionSeconds ?? MAX_FEDERATED_SESSION_SECONDS,
    createdAt: rule.createdAt,
  };
}
