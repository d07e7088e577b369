import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID, Matches } from 'class-validator';
import { BoundedString } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';

/** An action's name (`token.revoked`): those the code records are far shorter; a filter longer than this matches nothing. */
export const AUDIT_ACTION_MAX_LENGTH = 100;

const ACTION_NAME = /^[a-z_]+(\.[a-z_]+)*$/;

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'token.revoked', pattern: ACTION_NAME.source })
  @Optional()
  @BoundedString({ max: AUDIT_ACTION_MAX_LENGTH })
  @Matches(ACTION_NAME, { message: 'must look like token.revoked' })
  action?: string;

  @ApiPropertyOptional({ format: 'uuid', maxLength: 36, description: 'Only events made by this user or API user' })
  @Optional()
  @IsUUID('all')
  actorId?: string;
}
