import { Global, Module } from '@nestjs/common';
import { Draining } from './draining';
import { HealthController } from './health.controller';

// Global: the request hook (app.setup.ts) and the shutdown (main.ts) reach Draining.
@Global()
@Module({ controllers: [HealthController], providers: [Draining], exports: [Draining] })
export class HealthModule {}
