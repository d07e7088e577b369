import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';
import { BoundedString } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { DomainError, ErrorCode, validationFailed } from '../common/errors';

/** Secrets per public report, and the longest one read (ours are 42 characters; the rest is junk). */
export const MAX_REPORTED_TOKENS = 100;
const MAX_SECRET_LENGTH = 512;
const MAX_URL_LENGTH = 2000;
const MAX_SOURCE_LENGTH = 100;
const HASH_LENGTH = 64;
/** Matches per GitHub request: GitHub sends small batches; this bounds the work of one request. */
export const MAX_GITHUB_MATCHES = 1000;

export class TokenReportDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: MAX_SECRET_LENGTH },
    minItems: 1,
    maxItems: MAX_REPORTED_TOKENS,
    description: 'Secrets found; whatever they are, the answer is the same 202',
    example: ['lkp_…'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REPORTED_TOKENS)
  @IsString({ each: true })
  @MaxLength(MAX_SECRET_LENGTH, { each: true })
  tokens: string[];

  @ApiPropertyOptional({ maxLength: MAX_URL_LENGTH, description: 'Where they were found; told to the owner as text, never as a link' })
  @Optional()
  @BoundedString({ max: MAX_URL_LENGTH })
  url?: string;

  @ApiPropertyOptional({ maxLength: MAX_SOURCE_LENGTH, example: 'pastebin' })
  @Optional()
  @BoundedString({ max: MAX_SOURCE_LENGTH })
  source?: string;
}

/** One match of GitHub's report (the partner protocol's request body is an array of these). */
export class GithubSecretMatchDto {
  @ApiProperty({ maxLength: MAX_SECRET_LENGTH, description: 'The secret GitHub found' })
  token: string;

  @ApiProperty({ maxLength: MAX_SOURCE_LENGTH, description: 'The token type the secret matched, as registered with GitHub' })
  type: string;

  @ApiPropertyOptional({ maxLength: MAX_URL_LENGTH, description: 'Where it was found' })
  url?: string;

  @ApiPropertyOptional({ maxLength: MAX_SOURCE_LENGTH, example: 'content' })
  source?: string;
}

export class GithubSecretVerdictView {
  @ApiProperty({ description: 'SHA-256 of the secret, hex', minLength: HASH_LENGTH, maxLength: HASH_LENGTH, pattern: '^[0-9a-f]{64}$' })
  token_hash: string;

  @ApiProperty({ maxLength: MAX_SOURCE_LENGTH })
  token_type: string;

  @ApiProperty({ enum: ['true_positive', 'false_positive'] })
  label: 'true_positive' | 'false_positive';
}

/**
 * GitHub's body, read after its signature verified: an array of 1 to MAX_GITHUB_MATCHES objects with a
 * string token and type, and optional string url and source (other fields GitHub may add are ignored).
 */
export function readGithubMatches(body: unknown): GithubSecretMatchDto[] {
  if (!Array.isArray(body) || body.length === 0) throw validationFailed('body', 'must be a non-empty array of matches');
  if (body.length > MAX_GITHUB_MATCHES) throw validationFailed('body', `must hold at most ${MAX_GITHUB_MATCHES} matches`);
  return body.map((item: unknown, n) => {
    const match = item as Record<string, unknown> | null;
    const text = (field: string, max: number, required: boolean): string | undefined => {
      const value = match?.[field];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || (required && value.length === 0) || value.length > max) {
        throw validationFailed(`[${n}].${field}`, `must be a string of at most ${max} characters`);
      }
      return value;
    };
    if (typeof match !== 'object' || match === null || Array.isArray(match)) throw validationFailed(`[${n}]`, 'must be an object');
    return {
      token: text('token', MAX_SECRET_LENGTH, true) as string,
      type: text('type', MAX_SOURCE_LENGTH, true) as string,
      url: text('url', MAX_URL_LENGTH, false),
      source: text('source', MAX_SOURCE_LENGTH, false),
    };
  });
}

export const badSignature = () =>
  new DomainError(ErrorCode.InvalidCredentials, 'The report is not signed by a configured GitHub secret scanning key.');
