import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators';
import { Invalidation } from '../cache/invalidation';
import { DomainError, ErrorCode } from '../common/errors';
import { Database } from '../database/database';
import { Draining } from './draining';
import { LivenessView, ReadinessView } from './health.views';

const READY_TIMEOUT_MS = 2000;

@ApiTags('operations')
// Served at the root, where probes look, and under /v1 with the rest of the API.
@Controller()
export class HealthController {
  constructor(
    private readonly database: Database,
    private readonly invalidation: Invalidation,
    private readonly draining: Draining,
  ) {}

  /** The process answers. Nothing else is checked: a database outage must not get the process restarted. */
  @Get(['health/live', 'v1/health/live'])
  @Public({ unlimited: true })
  @ApiOkResponse({ type: LivenessView, description: 'The process answers' })
  live(): LivenessView {
    return { status: 'ok' };
  }

  /**
   * The database answers within two seconds; otherwise 503, so load balancers send traffic elsewhere.
   * A busy pool stays ready (`pool: "busy"`): taking the instance out would only push its load onto the others.
   * So does a lost invalidation channel (`invalidation: "lost"`): the caches are bypassed, so answers stay
   * right, only dearer. An instance shutting down answers 503 while it drains.
   */
  @Get(['health/ready', 'v1/health/ready'])
  @Public({ unlimited: true })
  @ApiOkResponse({ type: ReadinessView, description: 'The database answers' })
  async ready(): Promise<ReadinessView> {
    if (this.draining.active) throw new DomainError(ErrorCode.Unavailable, 'The instance is shutting down.');
    try {
      const pool = await this.database.check(READY_TIMEOUT_MS);
      return { status: 'ok', database: 'up', pool, invalidation: this.invalidation.state };
    } catch {
      throw new DomainError(ErrorCode.Unavailable, 'The database is not reachable.');
    }
  }
}
