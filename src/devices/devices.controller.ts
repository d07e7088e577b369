import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { CreateDeviceDto, ListDevicesQueryDto, UpdateDeviceDto } from './devices.dto';
import { DevicesService } from './devices.service';

@ApiTags('devices')
@Controller('workspaces/:wid/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  @Authenticated({ permission: 'devices:read' })
  list(@CurrentWorkspace() access: WorkspaceAccess, @Query() query: ListDevicesQueryDto) {
    return this.devices.list(access, query);
  }

  @Post()
  @Authenticated({ permission: 'devices:create' })
  create(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @Body() dto: CreateDeviceDto) {
    return this.devices.create(access, actor, dto);
  }

  @Get(':deviceId')
  @Authenticated({ permission: 'devices:read' })
  get(@CurrentWorkspace() access: WorkspaceAccess, @UuidParam('deviceId') deviceId: string) {
    return this.devices.get(access, deviceId);
  }

  @Patch(':deviceId')
  @Authenticated({ permission: 'devices:update' })
  update(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('deviceId') deviceId: string, @Body() dto: UpdateDeviceDto) {
    return this.devices.update(access, actor, deviceId, dto);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @Authenticated({ permission: 'devices:delete' })
  async delete(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('deviceId') deviceId: string, @NoBody() _body: unknown): Promise<void> {
    await this.devices.delete(access, actor, deviceId);
  }
}
