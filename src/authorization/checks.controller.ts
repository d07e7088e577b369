import { All, Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { Optional } from '../common/validation';
import { ChecksService, readAuthorizeQuestion } from './checks.service';

export class IntrospectDto {
  @ApiProperty({ description: 'The token to inspect' })
  @IsString() @MaxLength(200)
  token: string;

  @ApiPropertyOptional({ description: 'Accepted and ignored (RFC 7662)' })
  @Optional() @IsString() @MaxLength(50)
  token_type_hint?: string;
}

type CheckRequest = FastifyRequest & { user?: Principal; platformCaller?: boolean };

/** Traefik's forwardAuth sends the original path as X-Forwarded-Uri; Envoy's ext_authz appends it to ours. */
function forwardedPath(request: CheckRequest): string {
  const forwarded = request.headers['x-forwarded-uri'];
  return typeof forwarded === 'string' ? forwarded : request.url.replace(/^\/v1\/authorize/, '');
}

@ApiTags('checks')
@Controller()
export class ChecksController {
  constructor(private readonly checks: ChecksService) {}

  // Any method and any path below /v1/authorize: Envoy's ext_authz forwards the original method and
  // appends the original path. Parameters come from the query or from Latchkey-* request headers.
  @All(['authorize', 'authorize/*'])
  @HttpCode(204)
  @Authenticated({ allowApiUsers: true })
  @ApiOperation({ summary: 'May the calling token do `permission` in `workspaceId` (on `deviceId`)? 204 yes, 403 no, 401 bad token' })
  @ApiQuery({ name: 'workspaceId', required: false, description: 'or header Latchkey-Workspace-Id' })
  @ApiQuery({ name: 'permission', required: false, description: 'or header Latchkey-Permission' })
  @ApiQuery({ name: 'deviceId', required: false, description: 'or header Latchkey-Device-Id' })
  @ApiHeader({ name: 'Latchkey-Workspace-Id', required: false })
  // The query is read as Fastify parsed it, not through @Query() and the validation pipe: every value
  // used is checked by readAuthorizeQuestion (UUIDs, the permission catalog) and other keys are ignored.
  async authorize(@Req() request: CheckRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const principal = request.user as Principal;
    const question = readAuthorizeQuestion(request.query as Record<string, unknown>, request.headers, () => forwardedPath(request));
    const access = await this.checks.authorize(principal, question);
    reply.header('Latchkey-Principal-Id', principal.id);
    reply.header('Latchkey-Principal-Type', principal.type);
    reply.header('Latchkey-Workspace-Id', access.workspaceId);
  }

  @Post('introspect')
  @HttpCode(200)
  @Authenticated({ allowApiUsers: true, platformKey: true })
  @ApiOperation({ summary: 'RFC 7662 token introspection (form or JSON). Callers: a platform key, or a token with tokens:read in the token\'s workspace' })
  introspect(@Req() request: CheckRequest, @Body() dto: IntrospectDto) {
    return this.checks.introspect(request.platformCaller ? 'platform' : (request.user as Principal), dto.token);
  }
}
