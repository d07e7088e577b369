// A real SMTP server on the loopback (smtp-server) that parses every mail it receives (mailparser), for
// tests that follow the links Latchkey mails.
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import type { TestApp } from './test-app';

export const SMTP_USER = 'latchkey';
export const SMTP_PASSWORD = 'smtp-password-for-tests';

export interface CaughtMail {
  parsed: ParsedMail;
  /** The envelope: who the SMTP session was asked to deliver to (what a Bcc header would add to). */
  rcptTo: string[];
  mailFrom: string;
  raw: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The first link of the text part, and the secret after its #token=. */
  link: string | null;
  secret: string | null;
}

/** The environment of an app that mails through `smtp`, with links to the console at latchkey.example. */
export function mailEnv(smtp: MailCatcher): Record<string, string> {
  return {
    LATCHKEY_SMTP_URL: smtp.url,
    LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@latchkey.example>',
    LATCHKEY_PUBLIC_URL: 'https://latchkey.example/console',
  };
}

/** The last mail to `address`, once the app's outbox has sent what is due (every mail leaves through it). */
export async function lastMailTo(t: TestApp, smtp: MailCatcher, address: string): Promise<CaughtMail> {
  await t.app.get(OutboxWorker).drainDue();
  return smtp.last(address);
}

/**
 * The mailbox's holder takes its account back: a password reset asked for, its link read from the mail
 * and confirmed with `newPassword` (a squatted address's real owner, say).
 */
export async function resetByMail(t: TestApp, smtp: MailCatcher, email: string, newPassword = 'the real owner passphrase'): Promise<void> {
  await t.http().post('/v1/auth/password-reset').send({ email }).expect(202);
  const link = await lastMailTo(t, smtp, email);
  expect(link.secret).toMatch(/^lkr_/);
  await t.http().post('/v1/auth/password-reset/confirm').send({ token: link.secret, newPassword }).expect(204);
}

export class MailCatcher {
  readonly mails: CaughtMail[] = [];
  /** While set, every DATA is left unanswered (a server that hangs mid-delivery). */
  hang = false;
  /** Messages taken while hanging, never answered; and their Message-IDs. */
  pendingData = 0;
  readonly hungMessageIds: string[] = [];
  private server!: SMTPServer;
  port = 0;

  static async start(): Promise<MailCatcher> {
    const catcher = new MailCatcher();
    catcher.server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          if (catcher.hang) {
            catcher.pendingData++;
            catcher.hungMessageIds.push(/^Message-ID: (<[^>]+>)/im.exec(raw)?.[1] ?? '');
            return;
          }
          simpleParser(raw)
            .then((parsed) => {
              catcher.mails.push(toCaught(parsed, raw, session.envelope));
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    await new Promise<void>((resolve) => catcher.server.listen(0, '127.0.0.1', () => resolve()));
    catcher.port = (catcher.server.server.address() as AddressInfo).port;
    return catcher;
  }

  get url(): string {
    return `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${this.port}`;
  }

  to(address: string): CaughtMail[] {
    return this.mails.filter((m) => m.rcptTo.includes(address));
  }

  last(address: string): CaughtMail {
    const mails = this.to(address);
    if (mails.length === 0) throw new Error(`no mail to ${address}; got ${this.mails.map((m) => m.rcptTo.join(',')).join(' ')}`);
    return mails[mails.length - 1];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function toCaught(
  parsed: ParsedMail,
  raw: string,
  envelope: { mailFrom: false | { address: string }; rcptTo: Array<{ address: string }> },
): CaughtMail {
  const text = parsed.text ?? '';
  const link = /https?:\/\/\S+/.exec(text)?.[0] ?? null;
  const secret = link ? (/#token=([A-Za-z0-9_]+)/.exec(link)?.[1] ?? null) : null;
  return {
    parsed,
    raw,
    rcptTo: envelope.rcptTo.map((r) => r.address),
    mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
    to: ((parsed.to as AddressObject | undefined)?.value ?? []).map((a) => a.address).join(','),
    subject: parsed.subject ?? '',
    text,
    html: typeof parsed.html === 'string' ? parsed.html : '',
    link,
    secret,
  };
}
