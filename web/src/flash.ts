// A secret handed from one screen to the next (registration → personal token), in memory only:
// it is shown once and gone on reload, like every secret Latchkey returns.
let personalTokenSecret: string | null = null;

export function handOverPersonalToken(secret: string): void {
  personalTokenSecret = secret;
}

export function peekPersonalTokenHandOver(): string | null {
  return personalTokenSecret;
}

export function hasPersonalTokenHandOver(): boolean {
  return personalTokenSecret !== null;
}

export function forgetPersonalTokenHandOver(): void {
  personalTokenSecret = null;
}
