import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import { BoundedString, NonBlankString, SerialString } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';

export class CreateDeviceDto {
  @ApiProperty({ example: 'Greenhouse 3 sensor', maxLength: 200 })
  @NonBlankString(200)
  name: string;

  @ApiProperty({ example: 'SN-000123', maxLength: 128, description: 'Unique within the workspace' })
  @SerialString()
  serial: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Any JSON object up to 16 KiB' })
  @Optional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class UpdateDeviceDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Optional()
  @NonBlankString(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @Optional()
  @SerialString()
  serial?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class ListDevicesQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @Optional()
  @BoundedString({ max: 128 })
  serial?: string;
}
