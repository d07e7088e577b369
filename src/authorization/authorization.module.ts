import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DevicesModule } from '../devices/devices.module';
import { ChecksController } from './checks.controller';
import { ChecksService } from './checks.service';
import { PermissionsController } from './permissions.controller';

@Module({ imports: [AuthModule, DevicesModule], controllers: [PermissionsController, ChecksController], providers: [ChecksService] })
export class AuthorizationModule {}
