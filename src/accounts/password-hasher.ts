// argon2id for passwords (and only passwords: tokens are random and use SHA-256).
import { Inject, Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import { APP_CONFIG, AppConfig } from '../config/app-config';

@Injectable()
export class PasswordHasher {
  private readonly options: argon2.HashOptions;
  // Verified against when the email is unknown, so a miss costs what a wrong password costs.
  private readonly decoy: Promise<string>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.options = { type: argon2.argon2id, memoryCost: config.argon2MemoryKib, timeCost: 2, parallelism: 1 };
    this.decoy = argon2.hash('latchkey-decoy-password', this.options);
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const ok = await argon2.verify(hash ?? (await this.decoy), password);
      return hash !== null && ok;
    } catch {
      return false;
    }
  }
}
