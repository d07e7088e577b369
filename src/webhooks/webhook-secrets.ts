// Signing secrets. Standard Webhooks signs with a shared symmetric secret (`whsec_` + base64), so the
// secret must be read back at each delivery and cannot be kept as a hash like a token. It is kept
// sealed instead: AES-256-GCM under a key derived from LATCHKEY_WEBHOOK_SECRETS_KEY (or, unset, from a
// random key file made once in the data directory), with the endpoint's id as associated data, so a
// database dump or backup alone does not give the secrets away, and a sealed secret copied to another
// endpoint's row does not open.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const SECRET_PREFIX = 'whsec_';
/** 24 random bytes (192 bits): within the 24 to 64 bytes the Standard Webhooks specification asks for. */
const SECRET_BYTES = 24;
const KEY_FILE = 'webhook-secrets.key';

export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

@Injectable()
export class WebhookSecrets {
  private readonly logger = new Logger(WebhookSecrets.name);
  private key: { bytes: Buffer; id: string } | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url. */
  seal(secret: string, endpointId: string): string {
    const key = this.currentKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
    cipher.setAAD(Buffer.from(endpointId));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', key.id, iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, endpointId: string): string {
    const [version, keyId, iv, data, tag] = sealed.split('.');
    const key = this.currentKey();
    if (version !== 'v1' || keyId !== key.id) {
      throw new Error(`webhook secret sealed with key ${keyId}, not the configured key ${key.id} (LATCHKEY_WEBHOOK_SECRETS_KEY differs?)`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(endpointId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  private currentKey(): { bytes: Buffer; id: string } {
    if (this.key) return this.key;
    const material = this.config.webhooks.secretsKey ?? this.keyFile();
    const bytes = Buffer.from(hkdfSync('sha256', material, 'latchkey', 'webhook signing secrets v1', 32));
    this.key = { bytes, id: createHash('sha256').update(bytes).digest('hex').slice(0, 8) };
    return this.key;
  }

  /** The data directory's key file, made on first use (mode 0600). One instance only: several must share LATCHKEY_WEBHOOK_SECRETS_KEY. */
  private keyFile(): string {
    const path = join(this.config.dataDir, KEY_FILE);
    if (!existsSync(path)) {
      mkdirSync(this.config.dataDir, { recursive: true });
      try {
        writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Another process made it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      this.logger.warn(
        `Made ${path} to seal webhook signing secrets; set LATCHKEY_WEBHOOK_SECRETS_KEY when several instances share a database`,
      );
    }
    chmodSync(path, 0o600);
    return readFileSync(path, 'utf8').trim();
  }
}
