import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { DevicesModule } from '../devices/devices.module';
import { ChecksController } from './checks.controller';
import { ChecksService } from './checks.service';

/** The questions other services ask on every request: /v1/authorize (and forward auth) and /v1/introspect. */
@Module({
  imports: [AuthModule, AuthorizationModule, DevicesModule],
  controllers: [ChecksController],
  providers: [ChecksService],
  exports: [ChecksService],
})
export class ChecksModule {}
