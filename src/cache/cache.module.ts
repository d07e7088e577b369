import { Global, Module } from '@nestjs/common';
import { Invalidation } from './invalidation';

@Global()
@Module({ providers: [Invalidation], exports: [Invalidation] })
export class CacheModule {}
