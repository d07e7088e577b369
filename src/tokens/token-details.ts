// What a named or API-user token may carry besides its scopes: devices and networks it is bound to,
// a description and small metadata (issue 18). The fields as requests send them, and their limits.
import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsOptional, ValidateBy, ValidationArguments } from 'class-validator';
import { CIDR_MAX_LENGTH, MAX_ALLOWED_CIDRS, normaliseCidrList } from '../auth/network-allow-list';
import { MAX_DEVICES_PER_GRANT } from '../authorization/device-access.dto';
import { BoundedString, UuidList } from '../common/dto-fields';

/** The most devices a token may be bound to: one grant's worth, as a member's device access. */
export const MAX_TOKEN_DEVICES = MAX_DEVICES_PER_GRANT;
export const TOKEN_DESCRIPTION_MAX_LENGTH = 500;
/** Metadata: a JSON object of at most this many bytes serialised (UTF-8)… */
export const TOKEN_METADATA_MAX_BYTES = 4096;
/** …nested at most this deep (the object itself is depth 1)… */
export const TOKEN_METADATA_MAX_DEPTH = 5;
/** …with at most this many keys in all. */
export const TOKEN_METADATA_MAX_KEYS = 64;

/** Why `value` cannot be a token's metadata, or null. */
export function metadataProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object (or null)';
  let keys = 0;
  const walk = (node: unknown, depth: number): string | null => {
    if (typeof node !== 'object' || node === null) return null;
    if (depth > TOKEN_METADATA_MAX_DEPTH) return `must be nested at most ${TOKEN_METADATA_MAX_DEPTH} levels deep`;
    const children = Array.isArray(node) ? node : Object.values(node);
    if (!Array.isArray(node)) keys += children.length;
    if (keys > TOKEN_METADATA_MAX_KEYS) return `must have at most ${TOKEN_METADATA_MAX_KEYS} keys in all`;
    for (const child of children) {
      const problem = walk(child, depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  const problem = walk(value, 1);
  if (problem) return problem;
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > TOKEN_METADATA_MAX_BYTES) {
    return `must be at most ${TOKEN_METADATA_MAX_BYTES} bytes as JSON`;
  }
  return null;
}

function TokenMetadata(): PropertyDecorator {
  return ValidateBy({
    name: 'tokenMetadata',
    validator: {
      validate: (value: unknown) => value === null || metadataProblem(value) === null,
      defaultMessage: (args?: ValidationArguments) => metadataProblem(args?.value) ?? 'is not valid',
    },
  });
}

function CidrList(): PropertyDecorator {
  return ValidateBy({
    name: 'cidrList',
    validator: {
      validate: (value: unknown) =>
        value === null || (Array.isArray(value) && value.every((v) => typeof v === 'string') && Array.isArray(normaliseCidrList(value))),
      defaultMessage: (args?: ValidationArguments) => {
        const value = args?.value;
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be an array of CIDR strings';
        const verdict = normaliseCidrList(value as string[]);
        return typeof verdict === 'string' ? verdict : 'is not valid';
      },
    },
  });
}

export const ALLOWED_CIDRS_DESCRIPTION =
  'Usable only from these networks (IPv4 and IPv6 CIDRs or single addresses, at most ' +
  `${MAX_ALLOWED_CIDRS}); stored normalised (network address and prefix). Elsewhere it is refused with 403 network_not_allowed. null: any network`;

/** A network allow-list field (a token's, an API user's): optional, null to allow every network. */
export function AllowedCidrsField(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      isArray: true,
      maxLength: CIDR_MAX_LENGTH,
      nullable: true,
      maxItems: MAX_ALLOWED_CIDRS,
      example: ['203.0.113.0/24', '2001:db8::/32'],
      description,
    }),
    IsOptional(),
    IsArray(),
    CidrList(),
  );
}

/** The bindings and details a token is created or changed with; every field may be left out. */
export class TokenDetailsFields {
  @ApiPropertyOptional({
    nullable: true,
    maxItems: MAX_TOKEN_DEVICES,
    description:
      "Bind the token to these devices: its device access in a workspace is its owner's ∩ these, and what needs every device (devices:create, webhooks) no longer applies. Each must be a device its owner reaches. null: not bound",
  })
  @IsOptional()
  @UuidList({ min: 1, max: MAX_TOKEN_DEVICES })
  deviceIds?: string[] | null;

  @AllowedCidrsField(ALLOWED_CIDRS_DESCRIPTION)
  allowedCidrs?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Free text for people; null: none' })
  @IsOptional()
  @BoundedString({ max: TOKEN_DESCRIPTION_MAX_LENGTH })
  description?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: `A JSON object for the owner's tools, at most ${TOKEN_METADATA_MAX_BYTES} bytes, ${TOKEN_METADATA_MAX_DEPTH} levels and ${TOKEN_METADATA_MAX_KEYS} keys; null: none`,
  })
  @IsOptional()
  @TokenMetadata()
  metadata?: Record<string, unknown> | null;
}

/** The details as stored: allowedCidrs normalised (the DTO has checked they normalise), text as sent. */
export function storedCidrs(cidrs: string[] | null | undefined): string[] | null | undefined {
  if (cidrs === undefined || cidrs === null) return cidrs;
  return normaliseCidrList(cidrs) as string[];
}

export { CIDR_MAX_LENGTH, MAX_ALLOWED_CIDRS };
