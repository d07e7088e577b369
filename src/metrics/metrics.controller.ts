import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { assertPublicMetricsAccess } from './metrics-access';
import { MetricsService } from './metrics.service';

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
  scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    assertPublicMetricsAccess(this.config.metrics.tokenDigest, authorization);
    return this.metrics.scrape();
  }
}
