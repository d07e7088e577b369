// A sign-in of the user as "your active sessions" shows it: when, from where, with which browser.
import { ApiProperty } from '@nestjs/swagger';
import { DEVICE_DESCRIPTION_MAX_LENGTH, describeUserAgent, USER_AGENT_MAX_LENGTH } from '../common/user-agent';
import { DATE_TIME, IP_ADDRESS_MAX_LENGTH } from '../common/view-fields';
import type { Token } from './token.entity';

export class SessionView {
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'The session token; DELETE /v1/me/sessions/{id} ends it' })
  id: string;

  @ApiProperty({
    description: 'true: a sign-in with the password (POST /v1/auth/login); false: exchanged from a long-lived token (POST /v1/auth/token)',
  })
  signIn: boolean;

  @ApiProperty({ description: 'true: the session this request came with' })
  current: boolean;

  @ApiProperty({ ...DATE_TIME, description: 'When it was signed in' })
  createdAt: Date;

  @ApiProperty({ ...DATE_TIME, description: 'When it ends by itself' })
  expiresAt: Date;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: never used since (recorded within a minute)' })
  lastUsedAt: Date | null;

  @ApiProperty({ type: String, nullable: true, maxLength: IP_ADDRESS_MAX_LENGTH, description: 'The client address of its last use' })
  lastUsedIp: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: DEVICE_DESCRIPTION_MAX_LENGTH,
    example: 'Firefox on Linux',
    description: "The browser and system it was signed in from, read from the sign-in's User-Agent; null when none was sent",
  })
  device: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: USER_AGENT_MAX_LENGTH,
    description: `The User-Agent the sign-in came with, without control or invisible characters, at most ${USER_AGENT_MAX_LENGTH} characters`,
  })
  userAgent: string | null;
}

export class SessionsRevokedView {
  @ApiProperty({ minimum: 0, description: 'How many sessions were ended' })
  revoked: number;
}

export function toSessionView(token: Token, currentTokenId: string): SessionView {
  return {
    id: token.id,
    signIn: token.parentId === null,
    current: token.id === currentTokenId,
    createdAt: token.createdAt,
    // A session always expires (12 hours for a sign-in, at most that for an exchange).
    expiresAt: token.expiresAt ?? token.createdAt,
    lastUsedAt: token.lastUsedAt,
    lastUsedIp: token.lastUsedIp,
    device: describeUserAgent(token.userAgent),
    userAgent: token.userAgent,
  };
}
