// Every mail Latchkey sends, as plain text and HTML from one set of data. Data is rendered at delivery
// (the outbox row holds the template's name and its data, not a body), and each template's data is
// typed, so a caller cannot enqueue a mail its template cannot render. Whatever came from a user (names,
// workspace names) is escaped in HTML, kept to one line, and loses its bidirectional controls.
import { withoutBidiControls } from '../common/bidi-controls';

export interface MailTemplates {
  /**
   * The one-time link proving the address; sent at registration, on request and on an email change.
   * No name: whoever typed the address, and the name, may be a stranger to the mailbox.
   */
  'verify-email': { link: string; expiresAt: string };
  /** The one-time link setting a new password. `name` is null while the address is unproven (greetedName). */
  'password-reset': { name: string | null; link: string; expiresAt: string };
  invitation: { workspaceName: string; inviterName: string; link: string; expiresAt: string };
  /** A named or API-user token expires soon: to its owner, or to the workspace's owners and admins. */
  'token-expiring': {
    tokenName: string;
    tokenHint: string;
    expiresAt: string;
    days: number;
    apiUserName: string | null;
    workspaceName: string | null;
  };
  'password-changed': { name: string; how: 'changed' | 'reset' };
  'token-regenerated': { name: string; tokenHint: string };
  'token-revoked': {
    name: string;
    tokenName: string;
    tokenHint: string;
    workspaceName: string;
    effect: 'revoked' | 'blocked_in_workspace';
  };
  'account-deactivated': { name: string };
  /**
   * A token was reported leaked and revoked: to its owner, or for an API user's token to the workspace's
   * owners and admins. `where` is what the report said, shown as text (never a link: a public report's
   * URL is anyone's to choose).
   */
  'token-leaked': {
    tokenName: string;
    tokenHint: string;
    apiUserName: string | null;
    workspaceName: string | null;
    reporter: 'github' | 'report';
    where: string | null;
  };
  /**
   * A token nobody used for a while: `warning` a week before it is cut off, `revoked` when it was. To its
   * owner, or for an API user's token to the workspace's owners and admins. `workspaceName` null: the
   * instance's rule; otherwise that workspace's policy (which cuts it off there only, for a member's
   * token that reaches other workspaces too).
   */
  'token-unused': {
    phase: 'warning' | 'revoked';
    tokenName: string;
    tokenHint: string;
    apiUserName: string | null;
    workspaceName: string | null;
    days: number;
    lastUse: string;
    revokeAt: string;
  };
  /** To the address being left, when the account's email changes; `name` is null when it was never proven (greetedName). */
  /** pending: the change waits for the new address's link (the account's address was verified). */
  'email-changed': { name: string | null; newEmail: string; pending?: boolean };
  /** To the workspace's owners, once, when a webhook endpoint is disabled after a day of failing deliveries. */
  'webhook-disabled': { workspaceName: string; url: string; attempts: number; lastError: string };
}

export type MailTemplateName = keyof MailTemplates;
export const MAIL_TEMPLATE_NAMES = [
  'verify-email',
  'password-reset',
  'invitation',
  'token-expiring',
  'password-changed',
  'token-regenerated',
  'token-revoked',
  'account-deactivated',
  'token-leaked',
  'token-unused',
  'email-changed',
  'webhook-disabled',
] as const satisfies readonly MailTemplateName[];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph is a list of pieces: plain strings are escaped in HTML, `{ link }` becomes an anchor. */
type Piece = string | { link: string };
interface Body {
  subject: string;
  paragraphs: Piece[][];
}

const FOOTER = 'This mail was sent by Latchkey. If you did not expect it, you can ignore it.';
const NOT_YOU = 'If this was not you, change your password and review your tokens now.';
const hello = (name: string | null) => (name === null ? 'Hello,' : `Hello ${name},`);

const BODIES: { [K in MailTemplateName]: (data: MailTemplates[K]) => Body } = {
  'verify-email': (d) => ({
    subject: 'Verify your email address',
    paragraphs: [
      ['Hello,'],
      ['Confirm that this address is yours by opening this link:'],
      [{ link: d.link }],
      [`The link works once, until ${d.expiresAt}. If you did not sign up or change your address, ignore this mail.`],
    ],
  }),
  'password-reset': (d) => ({
    subject: 'Reset your password',
    paragraphs: [
      [hello(d.name)],
      ['Someone asked to reset the password of your Latchkey account. To choose a new one, open this link:'],
      [{ link: d.link }],
      [
        `The link works once, until ${d.expiresAt}. Setting a new password signs you out everywhere. If you did not ask, ignore this mail: your password stays as it is.`,
      ],
    ],
  }),
  invitation: (d) => ({
    subject: `You are invited to ${d.workspaceName}`,
    paragraphs: [
      [`${d.inviterName} invited you to the workspace "${d.workspaceName}" on Latchkey.`],
      ['To accept, sign in (or create an account) with this email address and open this link:'],
      [{ link: d.link }],
      [`The invitation expires at ${d.expiresAt}.`],
    ],
  }),
  'token-expiring': (d) => ({
    subject: `A token expires in ${d.days === 1 ? '1 day' : `${d.days} days`}: ${d.tokenName}`,
    paragraphs: [
      [
        d.apiUserName
          ? `The token "${d.tokenName}" (${d.tokenHint}) of the API user "${d.apiUserName}" in the workspace "${d.workspaceName ?? ''}" expires at ${d.expiresAt}.`
          : `Your token "${d.tokenName}" (${d.tokenHint}) expires at ${d.expiresAt}.`,
      ],
      ['Rotate it before then, or whatever uses it will stop working. You will not be told again about a token that has been rotated.'],
    ],
  }),
  'password-changed': (d) => ({
    subject: 'Your password was changed',
    paragraphs: [
      [hello(d.name)],
      [
        d.how === 'reset'
          ? 'The password of your Latchkey account was reset with a link sent to this address. Every session was ended.'
          : 'The password of your Latchkey account was changed. Every session was ended.',
      ],
      [NOT_YOU],
    ],
  }),
  'token-regenerated': (d) => ({
    subject: 'Your personal token was regenerated',
    paragraphs: [
      [hello(d.name)],
      [`Your personal token was regenerated; the new one is ${d.tokenHint}, and the old one no longer works.`],
      [NOT_YOU],
    ],
  }),
  'token-revoked': (d) => ({
    subject: `A workspace admin ${d.effect === 'revoked' ? 'revoked' : 'blocked'} one of your tokens`,
    paragraphs: [
      [hello(d.name)],
      [
        d.effect === 'revoked'
          ? `An admin of the workspace "${d.workspaceName}" revoked your token "${d.tokenName}" (${d.tokenHint}). It no longer works.`
          : `An admin of the workspace "${d.workspaceName}" blocked your token "${d.tokenName}" (${d.tokenHint}) in that workspace. It still works elsewhere.`,
      ],
    ],
  }),
  'account-deactivated': (d) => ({
    subject: 'Your Latchkey account was deactivated',
    paragraphs: [[hello(d.name)], ['A platform administrator deactivated your account: you cannot sign in, and none of your tokens work.']],
  }),
  'token-leaked': (d) => ({
    subject: `A token was found in public and revoked: ${d.tokenName}`,
    paragraphs: [
      [
        d.apiUserName
          ? `The token "${d.tokenName}" (${d.tokenHint}) of the API user "${d.apiUserName}" in the workspace "${d.workspaceName ?? ''}" was reported as leaked`
          : `Your token "${d.tokenName}" (${d.tokenHint}) was reported as leaked`,
        d.reporter === 'github' ? ' by GitHub secret scanning' : ' through the public report form (the reporter is unverified)',
        d.where ? `, found at: ${d.where}` : '',
        '.',
      ],
      [
        'Latchkey has revoked it, with the secrets it replaced and the sessions made from it. Whatever used it has stopped working: ' +
          'create a new token, put it where the old one was used, and remove the old secret from where it was found.',
      ],
      [NOT_YOU],
    ],
  }),
  'token-unused': (d) => {
    const token = d.apiUserName
      ? `The token "${d.tokenName}" (${d.tokenHint}) of the API user "${d.apiUserName}"`
      : `Your token "${d.tokenName}" (${d.tokenHint})`;
    const where = d.workspaceName ? `the workspace "${d.workspaceName}"` : 'Latchkey';
    return d.phase === 'warning'
      ? {
          subject: `A token unused for a while stops working on ${d.revokeAt.slice(0, 10)}: ${d.tokenName}`,
          paragraphs: [
            [`${token} has not been used since ${d.lastUse}.`],
            [
              `${where === 'Latchkey' ? 'Latchkey revokes' : `${where} cuts off`} tokens unused for ${d.days} days: this one stops working at ${d.revokeAt} ` +
                'unless it is used before then. If nothing needs it any more, revoke it yourself.',
            ],
          ],
        }
      : {
          subject: `A token unused for ${d.days} days was ${d.workspaceName ? 'cut off' : 'revoked'}: ${d.tokenName}`,
          paragraphs: [
            [
              `${token} had not been used since ${d.lastUse}, and ${where} no longer accepts it (tokens unused for ${d.days} days stop working).`,
            ],
            ['If something still needs it, create a new token.'],
          ],
        };
  },
  'email-changed': (d) =>
    d.pending
      ? {
          subject: 'A new email address was asked for your account',
          paragraphs: [
            [hello(d.name)],
            [
              `Someone signed in to your Latchkey account asked to change its email address to ${d.newEmail}. ` +
                "This address stays the account's until the link mailed there is opened; changing your password cancels the request.",
            ],
            [NOT_YOU],
          ],
        }
      : {
          subject: 'The email address of your account was changed',
          paragraphs: [[hello(d.name)], [`The email address of your Latchkey account was changed to ${d.newEmail}.`], [NOT_YOU]],
        },
  'webhook-disabled': (d) => ({
    subject: `A webhook of ${d.workspaceName} was disabled`,
    paragraphs: [
      [
        `Latchkey could not deliver to the webhook endpoint ${d.url} of the workspace "${d.workspaceName}" for about a day ` +
          `(${d.attempts} attempts; the last: ${d.lastError}), and has disabled it. Nothing more is sent to it.`,
      ],
      [
        'Once the receiver works again, enable the endpoint (PATCH it with enabled: true) and redeliver what it missed from its deliveries.',
      ],
    ],
  }),
};

export function renderMail<K extends MailTemplateName>(template: K, data: MailTemplates[K]): RenderedMail {
  // User-given text (names) stays on one line in the body too: it cannot forge paragraphs of its own,
  // nor reorder the template's own text.
  const flat = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? oneLine(v, 300) : v]),
  ) as MailTemplates[K];
  const body = (BODIES[template] as (d: MailTemplates[K]) => Body)(flat);
  const paragraphs = [...body.paragraphs, [FOOTER]];
  const text = paragraphs.map((p) => p.map((piece) => (typeof piece === 'string' ? piece : piece.link)).join('')).join('\n\n') + '\n';
  const html =
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">' +
    paragraphs
      .map(
        (p) =>
          `<p>${p.map((piece) => (typeof piece === 'string' ? escapeHtml(piece) : `<a href="${escapeHtml(piece.link)}">${escapeHtml(piece.link)}</a>`)).join('')}</p>`,
      )
      .join('') +
    '</body></html>';
  return { subject: oneLine(body.subject), text, html };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * For a header: controls (CR and LF above all) become spaces, bidirectional controls go (a name stored
 * before names refused them must not reorder the subject), and a subject stays short.
 */
export function oneLine(value: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = withoutBidiControls(value.replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ')).trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
