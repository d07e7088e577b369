// A real OIDC issuer for federation tests, on the loopback: OpenID discovery and a JWKS served over
// HTTP, keys made by jose (RS256 and ES256), and tokens signed as a CI platform would sign them.
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IssuerKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'ES256', kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface MintOptions {
  key?: IssuerKey;
  /** Seconds since the epoch the token counts from (the test app's clock). */
  now: number;
  audience?: string | string[];
  issuer?: string;
  lifetimeSeconds?: number;
  notBefore?: number;
  issuedAt?: number;
  jti?: string | null;
  kid?: string;
}

export class OidcIssuer {
  keys: IssuerKey[] = [];
  /** Paths asked for, in order. */
  readonly requests: string[] = [];
  /** Never answer the JWKS (a hung issuer). */
  hangJwks = false;
  /** What discovery says the issuer is; default its own URL. */
  discoveryIssuer: string | null = null;
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            issuer: this.discoveryIssuer ?? this.url,
            jwks_uri: `${this.url}/jwks`,
            id_token_signing_alg_values_supported: ['RS256', 'ES256'],
          }),
        );
      } else if (req.url === '/jwks') {
        if (this.hangJwks) return; // never answers
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
      } else {
        res.writeHead(404).end();
      }
    });
  }

  static async start(...keys: IssuerKey[]): Promise<OidcIssuer> {
    const issuer = new OidcIssuer();
    issuer.keys = keys;
    await new Promise<void>((resolve) => issuer.server.listen(0, '127.0.0.1', resolve));
    return issuer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  jwksFetches(): number {
    return this.requests.filter((p) => p === '/jwks').length;
  }

  /** A signed token with these claims; iss, aud, iat, exp and jti as a CI platform sets them unless overridden. */
  mint(claims: Record<string, unknown>, options: MintOptions): Promise<string> {
    const key = options.key ?? this.keys[0];
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.url)
      .setAudience(options.audience ?? 'https://latchkey.test')
      .setIssuedAt(options.issuedAt ?? options.now)
      .setExpirationTime((options.issuedAt ?? options.now) + (options.lifetimeSeconds ?? 300));
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    if (options.jti !== null) jwt.setJti(options.jti ?? randomUUID());
    return jwt.sign(key.privateKey);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
