// Global, as infrastructure: every repository publishes what its writes change (Invalidation), and the
// caches of the token check and of workspace access listen.
import { Global, Module } from '@nestjs/common';
import { Invalidation } from './invalidation';

@Global()
@Module({ providers: [Invalidation], exports: [Invalidation] })
export class CacheModule {}
