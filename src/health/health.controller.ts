import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/access.decorators';
import { DomainError, ErrorCode } from '../common/errors';

const READY_TIMEOUT_MS = 2000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** The process answers. Nothing else is checked: a database outage must not get the process restarted. */
  @Get('live')
  @Public()
  live() {
    return { status: 'ok' };
  }

  /** The database answers within two seconds; otherwise 503, so load balancers send traffic elsewhere. */
  @Get('ready')
  @Public()
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
