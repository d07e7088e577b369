import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ListUsersQueryDto } from './accounts.dto';
import { PlatformAdminService } from './platform-admin.service';

@ApiTags('admin')
@Controller('admin/users')
export class PlatformAdminController {
  constructor(private readonly admin: PlatformAdminService) {}

  @Get()
  @Authenticated({ platformAdmin: true })
  list(@Query() query: ListUsersQueryDto) {
    return this.admin.list(query);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  deactivate(@CurrentUser() admin: UserPrincipal, @CurrentActor() actor: Actor, @UuidParam('id') userId: string, @NoBody() _body: unknown) {
    return this.admin.deactivate(admin, actor, userId);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  reactivate(@CurrentActor() actor: Actor, @UuidParam('id') userId: string, @NoBody() _body: unknown) {
    return this.admin.reactivate(actor, userId);
  }
}
