import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID, Matches } from 'class-validator';
import { BoundedString } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'token.revoked' })
  @Optional()
  @BoundedString({ max: 100 })
  @Matches(/^[a-z_]+(\.[a-z_]+)*$/, { message: 'must look like token.revoked' })
  action?: string;

  @ApiPropertyOptional({ description: 'Only events made by this user or API user' })
  @Optional()
  @IsUUID('all')
  actorId?: string;
}
