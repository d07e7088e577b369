import { Global, Module } from '@nestjs/common';
import { RateLimits } from './rate-limits';
import { RedisConnection } from './redis-connection';

@Global()
@Module({ providers: [RedisConnection, RateLimits], exports: [RedisConnection, RateLimits] })
export class RateLimitsModule {}
