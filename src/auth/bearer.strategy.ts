// passport-http-bearer hands the token to validate(); TokenAuthenticator decides the rest.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-http-bearer';
import type { Principal } from './principal';
import { TokenAuthenticator } from './token-authenticator';

/** The name the strategy is registered under with passport. */
export const BEARER_STRATEGY = 'bearer';

@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly authenticator: TokenAuthenticator) {
    super({ passReqToCallback: true });
  }

  validate(request: FastifyRequest, token: string): Principal | Promise<Principal> {
    return this.authenticator.authenticate(token, request.ip);
  }
}
