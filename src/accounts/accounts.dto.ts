import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BoundedString, NonBlankString } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { PageQueryDto } from '../common/pagination';
import { EmailAddressField, EmailLookupField } from './email-address';

const PASSWORD_MIN = 12;
// argon2 cost does not grow with length, but a megabyte password is not a password.
const PASSWORD_MAX = 1024;

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', description: 'Stored and compared in one canonical form (NFKC, lower case, punycode domain)' })
  @EmailAddressField()
  email: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })
  @BoundedString({ min: PASSWORD_MIN, max: PASSWORD_MAX })
  password: string;

  @ApiProperty({ example: 'Ada Lovelace', maxLength: 200 })
  @NonBlankString(200)
  name: string;
}

export class LoginDto {
  @ApiProperty()
  @EmailLookupField()
  @BoundedString({ max: 254 })
  email: string;

  @ApiProperty()
  @BoundedString({ max: PASSWORD_MAX })
  password: string;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Optional()
  @NonBlankString(200)
  name?: string;

  @ApiPropertyOptional({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, description: 'Needs currentPassword; ends every session' })
  @Optional()
  @BoundedString({ min: PASSWORD_MIN, max: PASSWORD_MAX })
  password?: string;

  @ApiPropertyOptional()
  @Optional()
  @BoundedString({ max: PASSWORD_MAX })
  currentPassword?: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of an email address' })
  @EmailLookupField()
  @Optional()
  @BoundedString({ max: 254 })
  email?: string;
}
