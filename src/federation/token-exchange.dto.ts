// The RFC 8693 token exchange as the OpenAPI document shows it. The form is read by TokenExchange
// (token-exchange.ts) itself, which answers OAuth errors; this class only describes it.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TOKEN_LENGTH } from '../auth/token-format';
import { ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from './token-exchange';
import { MAX_FEDERATED_SESSION_SECONDS } from './trust-rules.dto';

export class TokenExchangeFormDto {
  @ApiProperty({ enum: [TOKEN_EXCHANGE_GRANT] })
  grant_type: string;

  @ApiProperty({ maxLength: 8192, description: "The OIDC token the workload's platform issued (a JWT); never stored or logged" })
  subject_token: string;

  @ApiProperty({ enum: [JWT_TOKEN_TYPE] })
  subject_token_type: string;

  @ApiPropertyOptional({
    maxLength: 2000,
    example: 'devices:read measurements:write',
    description: "Space-separated permissions to narrow the session to, within the trust rule's scopes; default: the rule's",
  })
  scope?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    maxLength: 36,
    description: 'The API user to sign in as: needed only when the token meets trust rules of several API users',
  })
  audience?: string;

  @ApiPropertyOptional({ enum: [ACCESS_TOKEN_TYPE] })
  requested_token_type?: string;
}

export class TokenExchangeView {
  @ApiProperty({ minLength: TOKEN_LENGTH, maxLength: TOKEN_LENGTH, description: 'An lks_ session of the API user, shown this once' })
  access_token: string;

  @ApiProperty({ enum: [ACCESS_TOKEN_TYPE] })
  issued_token_type: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_FEDERATED_SESSION_SECONDS, description: 'Seconds the session lives' })
  expires_in: number;

  @ApiProperty({ maxLength: 2000, example: '*', description: 'The session\'s scopes, space-separated ("*": all the API user has)' })
  scope: string;
}
