import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/access.decorators';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { WhoamiView } from './whoami.view';
import { WhoamiService } from './whoami.service';

@ApiTags('account')
@Controller()
export class WhoamiController {
  constructor(private readonly whoami: WhoamiService) {}

  @Get('whoami')
  // Any valid token, restricted or narrowly scoped, users and API users: it describes only the caller to
  // the holder of its secret, like introspecting oneself. What needs a scope elsewhere stays behind it
  // here: a user's profile behind account:read (as GET /v1/me), device ids behind devices:read.
  @Authenticated({ allowApiUsers: true })
  @ApiOkResponse({ type: WhoamiView })
  get(@CurrentPrincipal() principal: Principal): Promise<WhoamiView> {
    return this.whoami.whoami(principal);
  }
}
