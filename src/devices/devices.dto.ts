import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, Length, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';

const SERIAL = /^[\x21-\x7e]+$/;

export class CreateDeviceDto {
  @ApiProperty({ example: 'Greenhouse 3 sensor', maxLength: 200 })
  @IsString() @Length(1, 200) @Matches(/\S/, { message: 'must not be blank' })
  name: string;

  @ApiProperty({ example: 'SN-000123', maxLength: 128, description: 'Unique within the workspace' })
  @IsString() @Length(1, 128) @Matches(SERIAL, { message: 'must be printable ASCII without spaces' })
  serial: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Any JSON object up to 16 KiB' })
  @Optional() @IsObject()
  metadata?: Record<string, unknown>;
}

export class UpdateDeviceDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Optional() @IsString() @Length(1, 200) @Matches(/\S/, { message: 'must not be blank' })
  name?: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @Optional() @IsString() @Length(1, 128) @Matches(SERIAL, { message: 'must be printable ASCII without spaces' })
  serial?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional() @IsObject()
  metadata?: Record<string, unknown>;
}

export class ListDevicesQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @Optional() @IsString() @MaxLength(128)
  serial?: string;
}
