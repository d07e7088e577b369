// GraphQL arguments and inputs are the REST DTOs themselves, given GraphQL fields: the global
// ValidationPipe checks them with the very rules REST checks its bodies and queries with.
import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsString } from 'class-validator';
import { ListUsersQueryDto, UpdateMeDto } from '../accounts/accounts.dto';
import { CreateApiUserDto, CreateApiUserTokenDto, UpdateApiUserDto } from '../api-users/api-users.dto';
import { AuditQueryDto } from '../audit/audit.dto';
import type { AuditTargetType } from '../audit/audit-log';
import { DeviceAccessDto } from '../authorization/device-access.dto';
import { PageQueryDto } from '../common/pagination';
import { CreateDeviceDto, CreateDevicesDto, ListDevicesQueryDto, UpdateDeviceDto } from '../devices/devices.dto';
import { CreateNamedTokenDto, ListTokensQueryDto, RotateTokenDto, UpdateTokenDto } from '../tokens/token.dto';
import { RateLimitDto } from '../rate-limits/token-rate-limit';
import { TokenUsageQueryDto, UnusedTokensListQueryDto } from '../tokens/token-usage.view';
import {
  AcceptInvitationDto,
  DeclineInvitationDto,
  ResendInvitationDto,
  CreateInvitationDto,
  CreateRoleDto,
  CreateWorkspaceDto,
  TokenPolicyDto,
  UpdateMemberDto,
  UpdateRoleDto,
  UpdateWorkspaceDto,
  UpdateInvitationDto,
  PreviewInvitationDto,
} from '../workspaces/workspaces.dto';
import { JSONObjectScalar } from './json-scalar';

@ArgsType()
export class PageArgs extends PageQueryDto {
  @Field(() => Int, { nullable: true, description: '1 to 200, default 50' }) override limit?: number;
  @Field({ nullable: true, description: 'nextCursor of the previous page' }) override cursor?: string;
}

@ArgsType()
export class DevicePageArgs extends ListDevicesQueryDto {
  @Field(() => Int, { nullable: true, description: '1 to 200, default 50' }) override limit?: number;
  @Field({ nullable: true }) override cursor?: string;
  @Field({ nullable: true, description: 'Only the device with this serial' }) override serial?: string;
}

@ArgsType()
export class AuditPageArgs extends AuditQueryDto {
  @Field(() => Int, { nullable: true, description: '1 to 200, default 50' }) override limit?: number;
  @Field({ nullable: true }) override cursor?: string;
  @Field({ nullable: true, description: 'Only events of exactly this action' }) override action?: string;
  @Field({ nullable: true, description: 'Only events whose action starts with this (token. for every token event)' })
  override actionPrefix?: string;
  @Field(() => ID, { nullable: true, description: 'Only events made by this user or API user' }) override actorId?: string;
  @Field(() => String, { nullable: true, description: 'Only events about this kind of thing (device, token, …)' })
  override targetType?: AuditTargetType;
  @Field(() => ID, { nullable: true }) override targetId?: string;
  @Field({ nullable: true, description: 'At or after this time (RFC 3339, or a date: midnight UTC)' }) override from?: string;
  @Field({ nullable: true, description: 'Before this time' }) override to?: string;
}

@ArgsType()
export class MyTokensArgs extends ListTokensQueryDto {
  @Field(() => Int, { nullable: true, description: '1 to 200, default 50' }) override limit?: number;
  @Field({ nullable: true }) override cursor?: string;
  @Field({ nullable: true, description: 'personal, named or session' }) override kind?: 'personal' | 'named' | 'session';
  @Field({ nullable: true }) override includeInactive?: boolean;
}

@InputType()
export class DeviceAccessInput extends DeviceAccessDto {
  @Field({ description: 'all or selected' }) override mode: 'all' | 'selected';
  @Field(() => [ID], { nullable: true }) override deviceIds?: string[];
}

@InputType()
export class CreateWorkspaceInput extends CreateWorkspaceDto {
  @Field() override name: string;
  @Field({ nullable: true }) override slug?: string;
}

@InputType()
export class UpdateWorkspaceInput extends UpdateWorkspaceDto {
  @Field({ nullable: true }) override name?: string;
  @Field({ nullable: true }) override slug?: string;
}

@InputType()
export class TokenPolicyInput extends TokenPolicyDto {
  @Field(() => Int, { nullable: true }) override maxLifetimeDays: number | null;
  @Field() override allowPersonalTokens: boolean;
  @Field(() => Int, { nullable: true, description: 'Left out: unchanged' }) override revokeUnusedAfterDays?: number | null;
}

@InputType()
export class CreateRoleInput extends CreateRoleDto {
  @Field() override name: string;
  @Field({ nullable: true }) override description?: string;
  @Field(() => [String]) override permissions: string[];
}

@InputType()
export class UpdateRoleInput extends UpdateRoleDto {
  @Field({ nullable: true }) override name?: string;
  @Field(() => String, { nullable: true }) override description?: string | null;
  @Field(() => [String], { nullable: true }) override permissions?: string[];
}

@InputType()
export class UpdateMemberInput extends UpdateMemberDto {
  @Field(() => [ID], { nullable: true }) override roleIds?: string[];
  @Field(() => DeviceAccessInput, { nullable: true }) override deviceAccess?: DeviceAccessInput;
}

@InputType()
export class CreateInvitationInput extends CreateInvitationDto {
  @Field() override email: string;
  @Field(() => [ID]) override roleIds: string[];
  @Field(() => DeviceAccessInput) override deviceAccess: DeviceAccessInput;
  @Field(() => Int, { nullable: true }) override expiresInDays?: number;
}

@InputType()
export class CreateDeviceInput extends CreateDeviceDto {
  @Field() override name: string;
  @Field() override serial: string;
  @Field(() => JSONObjectScalar, { nullable: true }) override metadata?: Record<string, unknown>;
}

@InputType({ description: 'As POST /v1/workspaces/{wid}/devices/bulk: 1 to 1,000 devices, created together or not at all' })
export class CreateDevicesInput extends CreateDevicesDto {
  @Field(() => [CreateDeviceInput]) override devices: CreateDeviceInput[];
}

@InputType()
export class UpdateDeviceInput extends UpdateDeviceDto {
  @Field({ nullable: true }) override name?: string;
  @Field({ nullable: true }) override serial?: string;
  @Field(() => JSONObjectScalar, { nullable: true }) override metadata?: Record<string, unknown>;
}

@InputType('RateLimitInput', { description: '`limit` requests (1 to 1,000,000) per `windowSeconds` (1 to 86,400)' })
export class RateLimitInput extends RateLimitDto {
  @Field(() => Int) override limit: number;
  @Field(() => Int) override windowSeconds: number;
}

@ArgsType()
export class TokenUsageArgs extends TokenUsageQueryDto {
  /** Checked as a UUID by the resolver (uuidArg), as a path id is. */
  @Field(() => ID) @IsString() tokenId: string;
  @Field(() => Int, { nullable: true, description: '1 to 30, default 30' }) override days?: number;
}

@ArgsType()
export class UnusedTokensArgs extends UnusedTokensListQueryDto {
  @Field(() => Int, { nullable: true, description: '30 (default) or 90' }) override days?: 30 | 90;
  @Field(() => Int, { nullable: true, description: '1 to 200, default 50' }) override limit?: number;
  @Field({ nullable: true, description: 'nextCursor of the previous page' }) override cursor?: string;
}

@InputType()
export class CreateApiUserInput extends CreateApiUserDto {
  @Field() override name: string;
  @Field(() => [ID]) override roleIds: string[];
  @Field(() => DeviceAccessInput) override deviceAccess: DeviceAccessInput;
  @Field(() => RateLimitInput, { nullable: true }) override rateLimit?: RateLimitInput | null;
  @Field(() => [String], { nullable: true }) override allowedCidrs?: string[] | null;
}

@InputType()
export class UpdateApiUserInput extends UpdateApiUserDto {
  @Field({ nullable: true }) override name?: string;
  @Field({ nullable: true, description: 'active or disabled' }) override status?: 'active' | 'disabled';
  @Field(() => [ID], { nullable: true }) override roleIds?: string[];
  @Field(() => DeviceAccessInput, { nullable: true }) override deviceAccess?: DeviceAccessInput;
  @Field(() => RateLimitInput, { nullable: true }) override rateLimit?: RateLimitInput | null;
  @Field(() => [String], { nullable: true }) override allowedCidrs?: string[] | null;
}

@InputType()
export class CreateApiUserTokenInput extends CreateApiUserTokenDto {
  @Field({ nullable: true }) override name?: string;
  @Field(() => [String], { nullable: true }) override scopes?: string[];
  @Field(() => Int, { nullable: true, description: 'null: never expires' }) override expiresInDays?: number | null;
  @Field(() => RateLimitInput, { nullable: true }) override rateLimit?: RateLimitInput | null;
  @Field(() => [ID], { nullable: true }) override deviceIds?: string[] | null;
  @Field(() => [String], { nullable: true }) override allowedCidrs?: string[] | null;
  @Field(() => String, { nullable: true }) override description?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true }) override metadata?: Record<string, unknown> | null;
}

@InputType()
export class CreateNamedTokenInput extends CreateNamedTokenDto {
  @Field() override name: string;
  @Field(() => [String]) override scopes: string[];
  @Field(() => [ID], { nullable: true }) override workspaceIds?: string[] | null;
  @Field(() => Int, { nullable: true, description: 'null: never expires (if no policy forbids it)' }) override expiresInDays?:
    number | null;
  @Field(() => RateLimitInput, { nullable: true }) override rateLimit?: RateLimitInput | null;
  @Field(() => [ID], { nullable: true }) override deviceIds?: string[] | null;
  @Field(() => [String], { nullable: true }) override allowedCidrs?: string[] | null;
  @Field(() => String, { nullable: true }) override description?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true }) override metadata?: Record<string, unknown> | null;
}

@InputType({ description: 'As PATCH /v1/me/tokens/{id}: each field left out is left as it is' })
export class UpdateTokenInput extends UpdateTokenDto {
  @Field(() => [ID], { nullable: true }) override deviceIds?: string[] | null;
  @Field(() => [String], { nullable: true }) override allowedCidrs?: string[] | null;
  @Field(() => String, { nullable: true }) override description?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true }) override metadata?: Record<string, unknown> | null;
  @Field({ nullable: true, description: 'false: disable; true: enable again (same secret)' }) override enabled?: boolean;
  @Field(() => RateLimitInput, { nullable: true, description: 'null removes it; left out: unchanged' })
  override rateLimit?: RateLimitInput | null;
}

@InputType()
export class RotateTokenInput extends RotateTokenDto {
  @Field(() => Int, { nullable: true, description: '0 to 86400, default 0' }) override graceSeconds?: number;
}

@InputType()
export class ResendInvitationInput extends ResendInvitationDto {
  @Field(() => Int, { nullable: true }) override expiresInDays?: number;
}

@InputType()
export class AcceptInvitationInput extends AcceptInvitationDto {
  @Field({ description: 'The invitation secret (lki_); send it as a variable' }) override token: string;
}

@InputType()
export class DeclineInvitationInput extends DeclineInvitationDto {
  @Field({ nullable: true, description: 'The invitation secret (lki_), for an invitation to an address not yet verified' })
  override token?: string;
}

@ArgsType()
export class UsersPageArgs extends ListUsersQueryDto {
  @Field(() => Int, { nullable: true, description: '1 to 200, default 50' }) override limit?: number;
  @Field({ nullable: true }) override cursor?: string;
  @Field({ nullable: true, description: 'Part of an email address' }) override email?: string;
}

/**
 * The profile fields GraphQL changes: the name. A password goes through REST only (PATCH /v1/me):
 * no password travels in a GraphQL document or its variables, which clients, gateways and tracing
 * tools tend to record whole.
 */
@InputType()
export class UpdateMeInput extends UpdateMeDto {
  @Field({ nullable: true }) override name?: string;
}

@InputType()
export class UpdateInvitationInput extends UpdateInvitationDto {
  @Field(() => [ID], { nullable: true }) override roleIds?: string[];
  @Field(() => DeviceAccessInput, { nullable: true }) override deviceAccess?: DeviceAccessInput;
}

@InputType()
export class PreviewInvitationInput extends PreviewInvitationDto {
  @Field({ description: 'The invitation secret (lki_); send it as a variable' }) override token: string;
}
