import { Module } from '@nestjs/common';
import { WorkspaceWritesModule } from '../authorization/workspace-writes.module';
import { DevicesController } from './devices.controller';
import { DevicesRepository } from './devices.repository';
import { DevicesService } from './devices.service';

@Module({
  imports: [WorkspaceWritesModule],
  controllers: [DevicesController],
  providers: [DevicesRepository, DevicesService],
  exports: [DevicesRepository],
})
export class DevicesModule {}
