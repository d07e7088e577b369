// Global, as infrastructure: any module adds jobs (Outbox) and registers the handler of its kind (OutboxWorker).
import { Global, Module } from '@nestjs/common';
import { Outbox } from './outbox';
import { OutboxWorker } from './outbox-worker';
import { OutboxRepository } from './outbox.repository';

@Global()
@Module({ providers: [OutboxRepository, Outbox, OutboxWorker], exports: [Outbox, OutboxWorker] })
export class OutboxModule {}
