// STAND-IN, replaced by the merge of branch outbox-mail (see outbox.ts).
import { Global, Module } from '@nestjs/common';
import { Outbox, OutboxWorker } from './outbox';

@Global()
@Module({ providers: [Outbox, OutboxWorker], exports: [Outbox, OutboxWorker] })
export class OutboxModule {}
