import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { Page, PageOf } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { BULK_DEVICES_MAX, CreateDeviceDto, CreateDevicesDto, ListDevicesQueryDto, UpdateDeviceDto } from './devices.dto';
import { DevicesService } from './devices.service';
import { DeviceView } from './devices.views';

@ApiTags('devices')
@Controller('workspaces/:wid/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  @Authenticated({ permission: 'devices:read' })
  @ApiOkResponse({ type: PageOf(DeviceView), description: 'A page of the devices within your device access, newest first' })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: ListDevicesQueryDto): Promise<Page<DeviceView>> {
    return this.devices.list(caller, query);
  }

  @Post()
  @Authenticated({ permission: 'devices:create' })
  @ApiCreatedResponse({ type: DeviceView, description: 'The device' })
  @ApiProblems(409)
  create(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: CreateDeviceDto): Promise<DeviceView> {
    return this.devices.create(caller, actor, dto);
  }

  @Post('bulk')
  @Authenticated({ permission: 'devices:create' })
  @ApiExtraModels(DeviceView)
  @ApiCreatedResponse({
    description: 'The devices, in the order of the request',
    schema: { type: 'array', maxItems: BULK_DEVICES_MAX, items: { $ref: getSchemaPath(DeviceView) } },
  })
  @ApiProblems(409)
  createMany(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateDevicesDto,
  ): Promise<DeviceView[]> {
    return this.devices.createMany(caller, actor, dto);
  }

  @Get(':deviceId')
  @Authenticated({ permission: 'devices:read' })
  @ApiOkResponse({ type: DeviceView, description: 'The device' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('deviceId') deviceId: string): Promise<DeviceView> {
    return this.devices.get(caller, deviceId);
  }

  @Patch(':deviceId')
  @Authenticated({ permission: 'devices:update' })
  @ApiOkResponse({ type: DeviceView, description: 'The device as changed' })
  @ApiProblems(409)
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('deviceId') deviceId: string,
    @Body() dto: UpdateDeviceDto,
  ): Promise<DeviceView> {
    return this.devices.update(caller, actor, deviceId, dto);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @Authenticated({ permission: 'devices:delete' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('deviceId') deviceId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.devices.delete(caller, actor, deviceId);
  }
}
