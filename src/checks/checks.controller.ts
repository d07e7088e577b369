import { All, Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PRINCIPAL_TYPES } from '../accounts/account.views';
import { Authenticated } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { PERMISSIONS } from '../authorization/permissions';
import { UUID_SCHEMA } from '../common/uuid-param';
import { Optional } from '../common/validation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ForwardAuthSettings, MAX_FORWARDED_PATH_LENGTH } from './authorize-question';
import { ChecksService } from './checks.service';
import { answerTokenCheck } from './token-check-answer';
import { ActiveIntrospectionView, InactiveIntrospectionView, IntrospectionView } from './checks.views';

/** Longer than any token (TOKEN_LENGTH), with room for a client that sends another kind: it is simply inactive. */
const INTROSPECTED_TOKEN_MAX_LENGTH = 200;
/** A header is bounded by Node's 16 KiB request head (as the forwarded {path} is, openapi-document.ts). */
const REQUEST_HEAD_MAX_LENGTH = 16 * 1024;
/** RFC 7662's hints (access_token, refresh_token) and registered others fit. */
const TOKEN_TYPE_HINT_MAX_LENGTH = 50;

export class IntrospectDto {
  @ApiProperty({ maxLength: INTROSPECTED_TOKEN_MAX_LENGTH, description: 'The token to inspect' })
  @IsString()
  @MaxLength(INTROSPECTED_TOKEN_MAX_LENGTH)
  token: string;

  @ApiPropertyOptional({ maxLength: TOKEN_TYPE_HINT_MAX_LENGTH, description: 'Accepted and ignored (RFC 7662)' })
  @Optional()
  @IsString()
  @MaxLength(TOKEN_TYPE_HINT_MAX_LENGTH)
  token_type_hint?: string;
}

type CheckRequest = FastifyRequest & { user?: Principal; platformCaller?: boolean };

@ApiTags('checks')
@Controller()
export class ChecksController {
  private readonly forwardAuth: ForwardAuthSettings;

  constructor(
    private readonly checks: ChecksService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.forwardAuth = config.forwardAuth;
  }

  // Any method and any path below /v1/authorize: Envoy's ext_authz forwards the original method and
  // appends the original path. Which source each value comes from depends on the mode (authorize-question.ts).
  @All(['authorize', 'authorize/*'])
  @HttpCode(204)
  @Authenticated({ allowApiUsers: true })
  @ApiOperation({ summary: 'May the calling token do `permission` in `workspaceId` (on `deviceId`)? 204 yes, 403 no, 401 bad token' })
  @ApiQuery({ name: 'workspaceId', required: false, schema: UUID_SCHEMA, description: 'plain mode (no forwarded path): the workspace' })
  @ApiQuery({
    name: 'permission',
    required: false,
    enum: PERMISSIONS,
    description: 'plain mode, or with X-Forwarded-Uri (Traefik): the permission',
  })
  @ApiQuery({ name: 'deviceId', required: false, schema: UUID_SCHEMA, description: 'plain mode: the device (optional)' })
  @ApiHeader({
    name: 'Latchkey-Permission',
    required: false,
    enum: PERMISSIONS,
    description: 'forwarded path below /v1/authorize (Envoy): the permission, set by the proxy',
  })
  @ApiHeader({
    name: 'X-Forwarded-Uri',
    required: false,
    schema: { type: 'string', maxLength: REQUEST_HEAD_MAX_LENGTH },
    description: `Traefik: the original URI; ids are read from its path (at most ${MAX_FORWARDED_PATH_LENGTH} characters before any query, which is not read)`,
  })
  @ApiNoContentResponse({
    description: 'Allowed. The headers name who asked and where, for the proxy to pass on to the service behind it.',
    headers: {
      'Latchkey-Principal-Id': {
        required: true,
        description: 'The user or API user of the token',
        schema: { type: 'string', format: 'uuid', maxLength: 36 },
      },
      'Latchkey-Principal-Type': { required: true, schema: { type: 'string', enum: PRINCIPAL_TYPES } },
      'Latchkey-Workspace-Id': {
        required: true,
        description: 'The workspace the question was about',
        schema: { type: 'string', format: 'uuid', maxLength: 36 },
      },
    },
  })
  // The query is read as Fastify parsed it, not through @Query() and the validation pipe: every value
  // used is checked by readAuthorizeQuestion (UUIDs, the permission catalog) and any other key is a 400.
  // In the application Fastify calls the handler of src/checks/token-check-route.ts instead, which
  // answers through the same answerTokenCheck; this one serves an application built without it.
  async authorize(@Req() request: CheckRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await answerTokenCheck(this.checks, this.forwardAuth, request.user as Principal, request, reply);
  }

  @Post('introspect')
  @HttpCode(200)
  @Authenticated({ allowApiUsers: true, platformKey: true })
  @ApiOperation({
    summary: "RFC 7662 token introspection (form or JSON). Callers: a platform key, or a token with tokens:read in the token's workspace",
  })
  @ApiExtraModels(ActiveIntrospectionView, InactiveIntrospectionView)
  @ApiOkResponse({
    description: "The token described, or only { active: false } when it is unknown, dead or out of the caller's sight",
    schema: { oneOf: [{ $ref: getSchemaPath(ActiveIntrospectionView) }, { $ref: getSchemaPath(InactiveIntrospectionView) }] },
  })
  introspect(@Req() request: CheckRequest, @Body() dto: IntrospectDto): Promise<IntrospectionView> {
    return this.checks.introspect(request.platformCaller ? 'platform' : (request.user as Principal), dto.token);
  }
}
