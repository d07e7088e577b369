// Global, as infrastructure: any module adds jobs (Outbox) and registers the handler of its kind (OutboxWorker),
// or a periodic task (PeriodicJobs), or a retention purge (Retention).
import { Global, Module } from '@nestjs/common';
import { Outbox } from './outbox';
import { OutboxWorker } from './outbox-worker';
import { OutboxRepository } from './outbox.repository';
import { PeriodicJobs } from './periodic-jobs';
import { Retention } from './retention';

@Global()
@Module({
  providers: [OutboxRepository, Outbox, OutboxWorker, PeriodicJobs, Retention],
  exports: [Outbox, OutboxWorker, PeriodicJobs, Retention],
})
export class OutboxModule {}
