// Accepting an invitation needs a verified address (docs/security.md). A seeded account verifies the
// way its owner would, by following the link the service mailed: without SMTP the service writes each
// mail as an .eml file under its data directory. Where that directory is not the harness's to read
// (a PostgreSQL target, the service's default ./data), the row is marked in SQL instead.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from './api-client';
import type { DatabaseTarget } from './fresh-database';

export async function verifyAddress(api: ApiClient, target: DatabaseTarget, email: string): Promise<void> {
  const dataDir = target.env.LATCHKEY_DATA_DIR;
  if (target.kind === 'embedded' && dataDir) return followMailedLink(api, join(dataDir, 'mail'), email);
  await target.withSql((sql) => sql.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]));
}

async function followMailedLink(api: ApiClient, folder: string, email: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    for (const file of existsSync(folder) ? readdirSync(folder) : []) {
      // Quoted-printable: soft line breaks and "=3D" for "=".
      const text = readFileSync(join(folder, file), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=3D/g, '=');
      if (!text.includes(email)) continue;
      const link = /#token=(lkv_[0-9A-Za-z]+)/.exec(text);
      if (link) return void (await api.expect(204, 'POST', '/v1/auth/verify-email', { body: { token: link[1] } }));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no verification mail for ${email} in ${folder}`);
}
