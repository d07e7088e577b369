import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
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
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: ListDevicesQueryDto) {
    return this.devices.list(caller, query);
  }

  @Post()
  @Authenticated({ permission: 'devices:create' })
  create(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: CreateDeviceDto) {
    return this.devices.create(caller, actor, dto);
  }

  @Get(':deviceId')
  @Authenticated({ permission: 'devices:read' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('deviceId') deviceId: string) {
    return this.devices.get(caller, deviceId);
  }

  @Patch(':deviceId')
  @Authenticated({ permission: 'devices:update' })
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('deviceId') deviceId: string,
    @Body() dto: UpdateDeviceDto,
  ) {
    return this.devices.update(caller, actor, deviceId, dto);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @Authenticated({ permission: 'devices:delete' })
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('deviceId') deviceId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.devices.delete(caller, actor, deviceId);
  }
}
