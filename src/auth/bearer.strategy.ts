// passport-http-bearer hands the token to validate(); TokenAuthenticator decides the rest.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-http-bearer';
import { DomainError } from '../common/errors';
import { clientAddress } from '../common/client-address';
import type { Principal } from './principal';
import { TokenAuthenticator } from './token-authenticator';

/** The name the strategy is registered under with passport. */
export const BEARER_STRATEGY = 'bearer';

type Verified = (error: unknown, principal?: Principal | false) => void;

@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly authenticator: TokenAuthenticator) {
    super({ passReqToCallback: true });
    // @nestjs/passport's verify callback awaits validate(), so even a cached token's answer reaches
    // passport two promise hops later. This one calls passport back at once when the token is answered
    // at once (a cached token, or garbage), and after the promise otherwise; passport-http-bearer keeps
    // its verify callback in `_verify`. A refusal is handed to passport as its error, never thrown
    // (TokenAuthenticator.verify says why). The guard then admits a cached token without a promise
    // (access.guard.ts).
    (this as unknown as { _verify: (request: FastifyRequest, token: string, done: Verified) => void })._verify = (request, token, done) => {
      const verdict = this.authenticator.verify(token, clientAddress(request));
      if (verdict instanceof Promise)
        verdict.then(
          (settled) => (settled instanceof DomainError ? done(settled, false) : done(null, settled)),
          (error: unknown) => done(error, false),
        );
      else if (verdict instanceof DomainError) done(verdict, false);
      else done(null, verdict);
    };
  }

  validate(request: FastifyRequest, token: string): Principal | Promise<Principal> {
    return this.authenticator.authenticate(token, clientAddress(request));
  }
}
