// Mail: Mail.send() adds a 'mail' job to the outbox in the caller's transaction; MailDelivery, the
// outbox handler of that kind, renders it and hands it to SMTP (LATCHKEY_SMTP_URL) or, without SMTP,
// writes it as an .eml file under LATCHKEY_DATA_DIR/mail and logs the file's path (never its link).
// The job id is the Message-ID, so a retried mail can be recognised as the same one.
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Outbox, OutboxHandler, OutboxJob } from '../outbox/outbox';
import { OutboxWorker } from '../outbox/outbox-worker';
import { MAIL_TEMPLATE_NAMES, MailTemplateName, MailTemplates, renderMail } from './mail-templates';

export const MAIL_KIND = 'mail';

export interface MailInput<K extends MailTemplateName> {
  /** One address, in canonical form (users.email, invitations.email). */
  to: string;
  template: K;
  data: MailTemplates[K];
}

/** Retries: 30 s, 2 min, 10 min, 30 min, then hourly, for about a day; the links in mails expire sooner anyway. */
const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, ...Array.from({ length: 22 }, () => 3_600_000)];

@Injectable()
export class Mail {
  constructor(private readonly outbox: Outbox) {}

  /** In the transaction of the change the mail is about: no change, no mail; a change, its mail (at least once). */
  send<K extends MailTemplateName>(manager: EntityManager, mail: MailInput<K>): Promise<string> {
    return this.outbox.add(manager, { kind: MAIL_KIND, payload: { to: mail.to, template: mail.template, data: mail.data } });
  }

  /** A link into the web console, with the one-time secret in the fragment: browsers send a fragment nowhere (no server log, no Referer). */
  link(config: AppConfig, path: string, secret: string): string {
    return `${config.mail.publicUrl}${path}#token=${secret}`;
  }
}

@Injectable()
export class MailDelivery implements OutboxHandler, OnModuleInit {
  readonly kind = MAIL_KIND;
  private readonly logger = new Logger('Mail');
  private readonly transport: Transporter;
  private readonly messageIdHost: string;

  constructor(
    private readonly worker: OutboxWorker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.transport = config.mail.smtpUrl
      ? createTransport({
          url: config.mail.smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
          // The message is built by nodemailer from the parts below, never from raw headers.
          disableFileAccess: true,
          disableUrlAccess: true,
        } as SMTPTransport.Options)
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: config.mail.from });
    this.messageIdHost = new URL(config.mail.publicUrl).hostname || 'latchkey';
  }

  onModuleInit(): void {
    this.worker.register(this);
    if (!this.config.mail.smtpUrl)
      this.logger.log({ folder: this.config.mail.dropDir }, 'no LATCHKEY_SMTP_URL: mails are written as .eml files');
  }

  async deliver(job: OutboxJob): Promise<void> {
    const { to, template, data } = job.payload as { to: unknown; template: unknown; data: unknown };
    if (
      typeof to !== 'string' ||
      !MAIL_TEMPLATE_NAMES.includes(template as MailTemplateName) ||
      typeof data !== 'object' ||
      data === null
    ) {
      throw new Error('malformed mail job');
    }
    const rendered = renderMail(template as MailTemplateName, data as never);
    const message = {
      from: this.config.mail.from,
      // An address only, no display name: nothing a user typed reaches a header but the subject (one line).
      to: { name: '', address: to },
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: `<${job.id}@${this.messageIdHost}>`,
      date: job.createdAt,
      headers: { 'Auto-Submitted': 'auto-generated' },
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    const info = await this.transport.sendMail(message);
    if (this.config.mail.smtpUrl) {
      this.logger.log({ jobId: job.id, template, attempt: job.attempt }, 'mail sent');
      return;
    }
    const folder = this.config.mail.dropDir;
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const file = join(folder, `${job.createdAt.toISOString().replace(/[:.]/g, '-')}-${template as string}-${job.id}.eml`);
    // The file holds the one-time link: readable by this user alone.
    await writeFile(file, info.message as Buffer, { mode: 0o600 });
    await chmod(file, 0o600);
    this.logger.log({ jobId: job.id, template, file }, `mail written to ${file}`);
  }

  retryDelayMs(failedAttempt: number): number | null {
    return RETRY_DELAYS_MS[failedAttempt - 1] ?? null;
  }

  async onGiveUp(job: OutboxJob, lastError: string): Promise<void> {
    this.logger.error({ jobId: job.id, attempts: job.attempt, lastError }, 'mail given up');
  }
}
