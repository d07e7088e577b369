// Every entity and migration, in one place, for the runtime data source and the tests' template database.
import { User } from '../accounts/user.entity';
import { Token } from '../tokens/token.entity';
import { CreateAccounts1764000000000 } from './migrations/1764000000000-CreateAccounts';
import { CreateWorkspaces1764000100000 } from './migrations/1764000100000-CreateWorkspaces';
import { CreateApiUsers1764000200000 } from './migrations/1764000200000-CreateApiUsers';
import { IdentityHardening1765000000000 } from './migrations/1765000000000-IdentityHardening';
import { OwnersReachAllDevices1765000080000 } from './migrations/1765000080000-OwnersReachAllDevices';
import { IndexRotationChains1765000090000 } from './migrations/1765000090000-IndexRotationChains';
import { CreateOutbox1766000100000 } from './migrations/1766000100000-CreateOutbox';
import { MailedLinks1766000110000 } from './migrations/1766000110000-MailedLinks';
import { CreateWebhooks1766000200000 } from './migrations/1766000200000-CreateWebhooks';
import { SessionUserAgents1766000300000 } from './migrations/1766000300000-SessionUserAgents';
import { RetentionIndexes1766000400000 } from './migrations/1766000400000-RetentionIndexes';
import { RevokeUnusedTokens1766000500000 } from './migrations/1766000500000-RevokeUnusedTokens';
import { CreateTeams1767000100000 } from './migrations/1767000100000-CreateTeams';
import { TokenRateLimitsAndUsage1767000300000 } from './migrations/1767000300000-TokenRateLimitsAndUsage';
import { TokenBindings1767000200000 } from './migrations/1767000200000-TokenBindings';
import { CreateTrustRules1767000400000 } from './migrations/1767000400000-CreateTrustRules';
import { ForeignKeyIndexes1767000600000 } from './migrations/1767000600000-ForeignKeyIndexes';
import { OutboxShareKeys1767000700000 } from './migrations/1767000700000-OutboxShareKeys';
import { TrustRulesByAudience1767000800000 } from './migrations/1767000800000-TrustRulesByAudience';
import { WebhookEndpointPause1767000900000 } from './migrations/1767000900000-WebhookEndpointPause';
import { PendingEmail1767001000000 } from './migrations/1767001000000-PendingEmail';
import { MadeBy1767001100000 } from './migrations/1767001100000-MadeBy';

export const ENTITIES = [User, Token];
export const MIGRATIONS = [
  CreateAccounts1764000000000,
  CreateWorkspaces1764000100000,
  CreateApiUsers1764000200000,
  IdentityHardening1765000000000,
  OwnersReachAllDevices1765000080000,
  IndexRotationChains1765000090000,
  CreateOutbox1766000100000,
  MailedLinks1766000110000,
  CreateWebhooks1766000200000,
  SessionUserAgents1766000300000,
  RetentionIndexes1766000400000,
  RevokeUnusedTokens1766000500000,
  CreateTeams1767000100000,
  TokenRateLimitsAndUsage1767000300000,
  TokenBindings1767000200000,
  CreateTrustRules1767000400000,
  ForeignKeyIndexes1767000600000,
  OutboxShareKeys1767000700000,
  TrustRulesByAudience1767000800000,
  WebhookEndpointPause1767000900000,
  PendingEmail1767001000000,
  MadeBy1767001100000,
];
