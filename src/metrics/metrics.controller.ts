import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiProblems } from '../openapi/problems';
import { assertPublicMetricsAccess } from './metrics-access';
import { MetricsService } from './metrics.service';

/**
 * A scrape does not grow with traffic: its series are fixed but for the HTTP histogram's, one per route
 * pattern (never a raw path), method and status answered, about 2 KiB each. Even every route answering
 * every status it can stays a few MiB; 16 MiB bounds it.
 */
const SCRAPE_MAX_LENGTH = 16 * 1024 * 1024;

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Not a token route: the guard lets it through (rate-limited per IP) and the metrics key is checked here. */
  @Get()
  @Public()
  @ApiBearerAuth()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The Prometheus text exposition format, version 0.0.4',
    content: { 'text/plain': { schema: { type: 'string', maxLength: SCRAPE_MAX_LENGTH } } },
  })
  // 404 when no metrics key is configured: the route is then not served on the API's port.
  @ApiProblems(404)
  scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    assertPublicMetricsAccess(this.config.metrics.tokenDigest, authorization);
    return this.metrics.scrape();
  }
}
