// The process's one Redis connection (REDIS_URL), shared by the request rate limits and the sign-in
// lockout; null without REDIS_URL. With no offline queue a command fails at once while Redis is
// unreachable, and each user counts in memory meanwhile. A Redis that stops answering (frozen, cut off)
// fails commands after COMMAND_TIMEOUT_MS too, instead of holding every request that counts.
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const COMMAND_TIMEOUT_MS = 500;

@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: COMMAND_TIMEOUT_MS,
          lazyConnect: false,
        })
      : null;
    // Only the error's type: the message can hold the URL, and with it a password.
    this.client?.on('error', (error: Error) =>
      this.logger.warn({ err: { type: error.constructor.name } }, 'Redis unavailable; counting in memory'),
    );
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }
}
