// passport-http-bearer hands the token to validate(); TokenAuthenticator decides the rest.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-http-bearer';
import type { Principal } from './principal';
import { TokenAuthenticator } from './token-authenticator';

@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly authenticator: TokenAuthenticator) {
    super({ passReqToCallback: true });
  }

  validate(request: FastifyRequest, token: string): Promise<Principal> {
    return this.authenticator.authenticate(token, request.ip);
  }
}
