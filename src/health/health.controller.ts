import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/access.decorators';
import { DomainError, ErrorCode } from '../common/errors';

const READY_TIMEOUT_MS = 2000;

@ApiTags('operations')
// Served at the root, where probes look, and under /v1 with the rest of the API.
@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** The process answers. Nothing else is checked: a database outage must not get the process restarted. */
  @Get(['health/live', 'v1/health/live'])
  @Public({ unlimited: true })
  live() {
    return { status: 'ok' };
  }

  /** The database answers within two seconds; otherwise 503, so load balancers send traffic elsewhere. */
  @Get(['health/ready', 'v1/health/ready'])
  @Public({ unlimited: true })
  async ready() {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('readiness timeout')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), timeout]);
      return { status: 'ok', database: 'up' };
    } catch {
      throw new DomainError(ErrorCode.Unavailable, 'The database is not reachable.');
    } finally {
      clearTimeout(timer);
    }
  }
}
