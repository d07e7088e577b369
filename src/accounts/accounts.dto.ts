import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BoundedString, NonBlankString } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { PageQueryDto } from '../common/pagination';
import { EMAIL_MAX_LENGTH, EmailAddressField, EmailLookupField } from './email-address';

export const PASSWORD_MIN_LENGTH = 12;
// argon2 cost does not grow with length, but a megabyte password is not a password.
export const PASSWORD_MAX_LENGTH = 1024;
/** A user's display name. */
export const USER_NAME_MAX_LENGTH = 200;

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', description: 'Stored and compared in one canonical form (NFKC, lower case, punycode domain)' })
  @EmailAddressField()
  email: string;

  @ApiProperty()
  @BoundedString({ min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH })
  password: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @NonBlankString(USER_NAME_MAX_LENGTH)
  name: string;
}

export class LoginDto {
  @ApiProperty()
  @EmailLookupField()
  @BoundedString({ max: EMAIL_MAX_LENGTH })
  email: string;

  @ApiProperty()
  @BoundedString({ max: PASSWORD_MAX_LENGTH })
  password: string;
}

export class UpdateMeDto {
  @ApiPropertyOptional()
  @Optional()
  @NonBlankString(USER_NAME_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ description: 'Needs currentPassword; ends every session' })
  @Optional()
  @BoundedString({ min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH })
  password?: string;

  @ApiPropertyOptional()
  @Optional()
  @BoundedString({ max: PASSWORD_MAX_LENGTH })
  currentPassword?: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of an email address' })
  @EmailLookupField()
  @Optional()
  @BoundedString({ max: EMAIL_MAX_LENGTH })
  email?: string;
}
