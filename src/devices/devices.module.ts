import { Module } from '@nestjs/common';
import { WorkspaceLockModule } from '../authorization/workspace-lock.module';
import { DevicesController } from './devices.controller';
import { DevicesRepository } from './devices.repository';
import { DevicesService } from './devices.service';

@Module({
  imports: [WorkspaceLockModule],
  controllers: [DevicesController],
  providers: [DevicesRepository, DevicesService],
  exports: [DevicesRepository],
})
export class DevicesModule {}
