import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators';
import { PermissionCatalogView, toPermissionCatalogView } from './permissions.view';

@ApiTags('permissions')
@Controller('permissions')
export class PermissionsController {
  @Get()
  @Public()
  @ApiOkResponse({ type: PermissionCatalogView, description: 'The permission catalog and the account scopes' })
  catalog(): PermissionCatalogView {
    return toPermissionCatalogView();
  }
}
