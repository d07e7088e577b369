// Server messages as people read them. The API's validation messages are written for developers
// ("must contain at least 1 elements"); these few are said plainly here, and a workspace's id in a
// message becomes its name. Anything not recognised is shown as the server wrote it.

const PHRASES: Array<[RegExp, string | ((...groups: string[]) => string)]> = [
  [/^must contain at least 1 elements?$/, 'needs at least one ticked'],
  [/^must contain at least (\d+) elements?$/, (n) => `needs at least ${n} ticked`],
  [/^must contain (?:no more than|not more than) (\d+) elements?$/, (n) => `can have at most ${n}`],
  [/^must be an email$/, 'must be an email address, like name@example.com'],
  [/^(?:.+ )?must be an email address$/, 'must be an email address, like name@example.com'],
  [/^must be longer than or equal to (\d+) characters$/, (n) => `must be at least ${n} characters long`],
  [/^must be shorter than or equal to (\d+) characters$/, (n) => `must be at most ${n} characters long`],
  [/^should not be empty$/, 'is required'],
  [/^must be a UUID$/, 'is not one of the choices'],
  [/^each value in .+ must be a UUID$/, 'has a choice that does not exist any more: reload the page'],
];

/** A field's message, after the field's label ("Email …"), in plain words when it is a known phrase. */
export function readableFieldMessage(message: string): string {
  for (const [pattern, replacement] of PHRASES) {
    const match = pattern.exec(message);
    if (match) return typeof replacement === 'string' ? replacement : replacement(...match.slice(1));
  }
  return message;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** A message with the ids of known workspaces (and the like) replaced by their names: “Acme” rather than a UUID. */
export function withNames(text: string, names: Map<string, string>): string {
  return text.replace(UUID, (id) => {
    const name = names.get(id.toLowerCase());
    return name ? `“${name}”` : id;
  });
}
