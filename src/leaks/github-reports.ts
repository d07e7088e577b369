// GitHub's secret scanning partner protocol: a signed batch of matches in, a verdict per match out
// (true_positive for a secret Latchkey issued, alive or not; false_positive for anything else), after
// revoking the live ones. The keys are read once at start from LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE;
// a file that cannot be read or holds no usable key stops the start with the reason.
import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { hashToken } from '../auth/token-format';
import { notFound } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { readScanningKeys, ScanningKey, verifiesWithScanningKey } from './github-signature';
import { LeakedTokens } from './leaked-tokens';
import { badSignature, GithubSecretVerdictView, readGithubMatches } from './leaks.dto';

@Injectable()
export class GithubReports {
  /** null: not configured, and the route answers 404 as if it did not exist. */
  private readonly keys: ScanningKey[] | null;

  constructor(
    private readonly leaks: LeakedTokens,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const file = config.leaks.githubKeysFile;
    if (file === null) {
      this.keys = null;
      return;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(
        `LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE (${file}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        { cause: error },
      );
    }
    try {
      this.keys = readScanningKeys(text);
    } catch (error) {
      throw new Error(`LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE (${file}) ${(error as Error).message}`, { cause: error });
    }
  }

  /** Verifies the raw body's signature first; nothing in an unsigned body is read. */
  async report(
    rawBody: Buffer | undefined,
    keyId: string | undefined,
    signature: string | undefined,
    body: unknown,
    ip: string | null,
  ): Promise<GithubSecretVerdictView[]> {
    if (this.keys === null) throw notFound('Route');
    if (!rawBody || !keyId || !signature || !verifiesWithScanningKey(this.keys, keyId, signature, rawBody)) throw badSignature();
    const matches = readGithubMatches(body);
    const ours = new Set<string>();
    // One report per place found, so each owner is told where their token was.
    for (const match of matches) {
      for (const hash of await this.leaks.revokeReported(
        [match.token],
        { reporter: 'github', where: match.url ?? null, source: match.source ?? null },
        ip,
      )) {
        ours.add(hash);
      }
    }
    return matches.map((match) => {
      const tokenHash = hashToken(match.token);
      return { token_hash: tokenHash, token_type: match.type, label: ours.has(tokenHash) ? 'true_positive' : 'false_positive' };
    });
  }
}
