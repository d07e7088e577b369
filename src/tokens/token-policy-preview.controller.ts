import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { TokenPolicyDto } from '../workspaces/workspaces.dto';
import { TokenPolicyPreviewView } from './token-policy-preview.view';
import { WorkspaceTokensService } from './workspace-tokens.service';

@ApiTags('tokens')
@Controller('workspaces/:wid/token-policy/preview')
export class TokenPolicyPreviewController {
  constructor(private readonly tokens: WorkspaceTokensService) {}

  // Owners only, as saving a policy is; it lists the tokens of the workspace as GET /tokens does (tokens:read).
  @Post()
  @HttpCode(200)
  @Authenticated({ permission: 'tokens:read', ownerOnly: true })
  @ApiOkResponse({
    type: TokenPolicyPreviewView,
    description:
      'What saving this policy would refuse: counts, and the refused tokens with the verdict their holders would get. Nothing is saved',
  })
  preview(@CurrentWorkspace() caller: WorkspaceCaller, @Body() dto: TokenPolicyDto): Promise<TokenPolicyPreviewView> {
    return this.tokens.previewPolicy(caller, dto);
  }
}
