import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { Page, PageOf } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { ListUsersQueryDto } from './accounts.dto';
import { PlatformAdminService } from './platform-admin.service';
import { AdminUserView } from './user.view';

@ApiTags('admin')
@Controller('admin/users')
export class PlatformAdminController {
  constructor(private readonly admin: PlatformAdminService) {}

  @Get()
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: PageOf(AdminUserView), description: 'Users, newest first' })
  list(@Query() query: ListUsersQueryDto): Promise<Page<AdminUserView>> {
    return this.admin.list(query);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AdminUserView, description: 'The user, deactivated (also when it already was)' })
  @ApiProblems(409)
  deactivate(
    @CurrentUser() admin: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('id') userId: string,
    @NoBody() _body: unknown,
  ): Promise<AdminUserView> {
    return this.admin.deactivate(admin, actor, userId);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AdminUserView, description: 'The user, active (also when it already was)' })
  reactivate(
    @CurrentUser() admin: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('id') userId: string,
    @NoBody() _body: unknown,
  ): Promise<AdminUserView> {
    return this.admin.reactivate(admin, actor, userId);
  }
}
