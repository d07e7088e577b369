// An invitation link is this page's /#/accept?token=lki_…; people may also paste the bare secret.

export function invitationLink(secret: string): string {
  return `${window.location.origin}/#/accept?token=${encodeURIComponent(secret)}`;
}

export function invitationSecretIn(text: string): string | null {
  return text.match(/lki_[0-9A-Za-z]+/)?.[0] ?? null;
}

/** The hint Latchkey lists for a secret ("lki_abcd…wxyz"), to find which pending invitation a link is. */
export function hintOf(secret: string): string {
  return `${secret.slice(0, 8)}…${secret.slice(-4)}`;
}
