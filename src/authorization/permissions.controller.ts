import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators';
import { ACCOUNT_SCOPES, PERMISSIONS, PERMISSION_DESCRIPTIONS } from './permissions';

@ApiTags('permissions')
@Controller('permissions')
export class PermissionsController {
  @Get()
  @Public()
  catalog() {
    return {
      permissions: PERMISSIONS.map((name) => ({ name, description: PERMISSION_DESCRIPTIONS[name] })),
      accountScopes: ACCOUNT_SCOPES.map((name) => ({ name, description: PERMISSION_DESCRIPTIONS[name] })),
    };
  }
}
