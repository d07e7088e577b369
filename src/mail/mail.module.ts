// Global, as infrastructure: any domain sends mail (Mail.send in its change's transaction).
import { Global, Module } from '@nestjs/common';
import { Mail, MailDelivery } from './mail';

@Global()
@Module({ providers: [Mail, MailDelivery], exports: [Mail] })
export class MailModule {}
