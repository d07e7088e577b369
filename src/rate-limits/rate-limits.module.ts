import { Module } from '@nestjs/common';
import { RateLimits } from './rate-limits';
import { RedisConnection } from './redis-connection';

@Module({ providers: [RedisConnection, RateLimits], exports: [RedisConnection, RateLimits] })
export class RateLimitsModule {}
