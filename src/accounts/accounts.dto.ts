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

  @ApiPropertyOptional({
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    description:
      'A new address: needs currentPassword; unverified until the link mailed to it is opened (the old address is told). ' +
      'A mailbox gets at most 5 verification links an hour: past that, 429 and nothing changes',
  })
  @Optional()
  @EmailAddressField()
  email?: string;

  @ApiPropertyOptional({ description: 'Needs currentPassword; ends every session' })
  @Optional()
  @BoundedString({ min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH })
  password?: string;

  @ApiPropertyOptional({ description: 'Needed to change the password or the email address' })
  @Optional()
  @BoundedString({ max: PASSWORD_MAX_LENGTH })
  currentPassword?: string;
}

/** POST /v1/auth/verify-email and POST /v1/auth/password-reset/confirm carry the secret of a mailed link. */
const LINK_SECRET = { description: 'The secret after #token= in the link of the mail', example: 'lkv_…', maxLength: 64 };

export class VerifyEmailDto {
  @ApiProperty(LINK_SECRET)
  @BoundedString({ max: 64 })
  token: string;
}

export class PasswordResetRequestDto {
  // Looked up, never stored: nothing is refused but what is too long (an address that cannot exist matches nobody).
  @ApiProperty({ maxLength: EMAIL_MAX_LENGTH, example: 'ada@example.com' })
  @EmailLookupField()
  @BoundedString({ max: EMAIL_MAX_LENGTH })
  email: string;
}

export class PasswordResetConfirmDto {
  @ApiProperty(LINK_SECRET)
  @BoundedString({ max: 64 })
  token: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @BoundedString({ min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH })
  newPassword: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of an email address' })
  @EmailLookupField()
  @Optional()
  @BoundedString({ max: EMAIL_MAX_LENGTH })
  email?: string;
}
