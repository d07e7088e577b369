// What GET /v1/permissions answers: the catalog, each name with what it allows.
import { ApiProperty } from '@nestjs/swagger';
import { ACCOUNT_SCOPES, AccountScope, Permission, PERMISSION_DESCRIPTIONS, PERMISSIONS } from './permissions';

/** The longest description in the catalog. */
const DESCRIPTION_MAX_LENGTH = Math.max(...Object.values(PERMISSION_DESCRIPTIONS).map((d) => d.length));

export class PermissionView {
  @ApiProperty({ enum: PERMISSIONS, example: 'devices:read' })
  name: Permission;

  @ApiProperty({ maxLength: DESCRIPTION_MAX_LENGTH })
  description: string;
}

export class AccountScopeView {
  @ApiProperty({ enum: ACCOUNT_SCOPES, example: 'account:read' })
  name: AccountScope;

  @ApiProperty({ maxLength: DESCRIPTION_MAX_LENGTH })
  description: string;
}

export class PermissionCatalogView {
  @ApiProperty({
    type: [PermissionView],
    maxItems: PERMISSIONS.length,
    description: "What a role grants in a workspace, and a token's scopes narrow",
  })
  permissions: PermissionView[];

  @ApiProperty({
    type: [AccountScopeView],
    maxItems: ACCOUNT_SCOPES.length,
    description: 'Scopes a token may hold for its user account (GET /v1/me…), not for a workspace',
  })
  accountScopes: AccountScopeView[];
}

export function toPermissionCatalogView(): PermissionCatalogView {
  return {
    permissions: PERMISSIONS.map((name) => ({ name, description: PERMISSION_DESCRIPTIONS[name] })),
    accountScopes: ACCOUNT_SCOPES.map((name) => ({ name, description: PERMISSION_DESCRIPTIONS[name] })),
  };
}
