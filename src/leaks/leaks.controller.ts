import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiExtraModels, ApiHeader, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Public } from '../auth/access.decorators';
import { ApiProblems } from '../openapi/problems';
import { GithubReports } from './github-reports';
import { LeakedTokens } from './leaked-tokens';
import { GithubSecretMatchDto, GithubSecretVerdictView, MAX_GITHUB_MATCHES, TokenReportDto } from './leaks.dto';

/** Key ids are hex digests; signatures of P-256 are ~100 characters in base64. */
const HEADER_MAX_LENGTH = 512;

@ApiTags('leaked tokens')
@ApiExtraModels(GithubSecretMatchDto, GithubSecretVerdictView)
@Controller()
export class LeaksController {
  constructor(
    private readonly leaks: LeakedTokens,
    private readonly github: GithubReports,
  ) {}

  @Post('secret-scanning/github')
  @HttpCode(200)
  @Public()
  // 401: not signed by a configured key; 404: no keys configured (the endpoint is off).
  @ApiProblems(401, 404)
  @ApiHeader({
    name: 'Github-Public-Key-Identifier',
    required: true,
    schema: { type: 'string', maxLength: HEADER_MAX_LENGTH },
    description: "The id of GitHub's key that signed the body",
  })
  @ApiHeader({
    name: 'Github-Public-Key-Signature',
    required: true,
    schema: { type: 'string', maxLength: HEADER_MAX_LENGTH },
    description: 'ECDSA P-256 / SHA-256 signature of the raw body, base64 DER',
  })
  @ApiBody({ schema: { type: 'array', minItems: 1, maxItems: MAX_GITHUB_MATCHES, items: { $ref: getSchemaPath(GithubSecretMatchDto) } } })
  @ApiOkResponse({
    schema: { type: 'array', maxItems: MAX_GITHUB_MATCHES, items: { $ref: getSchemaPath(GithubSecretVerdictView) } },
    description: "GitHub secret scanning's partner protocol: each live Latchkey token is revoked; a verdict per match",
  })
  githubReport(
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Headers('github-public-key-identifier') keyId: string | undefined,
    @Headers('github-public-key-signature') signature: string | undefined,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<GithubSecretVerdictView[]> {
    return this.github.report(request.rawBody, keyId, signature, body, actor.ip);
  }

  @Post('tokens/report')
  @HttpCode(202)
  @Public()
  @ApiAcceptedResponse({
    description: 'Taken: a live token among them is revoked shortly and its owner told. The answer is the same whatever was sent.',
  })
  async reportTokens(@Body() dto: TokenReportDto, @CurrentActor() actor: Actor): Promise<void> {
    await this.leaks.acceptPublicReport(dto.tokens, { where: dto.url ?? null, source: dto.source ?? null }, actor.ip ?? '');
  }
}
