// A route's access rule in words: the route table test's snapshot and the OpenAPI document's
// x-latchkey-access say it the same way, from here.
import type { AccessRule } from './access.decorators';

export function describeAccessRule(rule: AccessRule | undefined): string {
  if (!rule) return 'NONE';
  if (rule.kind === 'public') return rule.unlimited ? 'public, not rate-limited' : 'public, rate-limited per IP';
  const parts = ['token'];
  if (rule.permission) parts.push(`permission=${rule.permission}`);
  if (rule.workspaceMember) parts.push('member-of-workspace');
  if (rule.ownerOnly) parts.push('owner-only');
  if (rule.scope) parts.push(`scope=${rule.scope}`);
  if (rule.scope?.startsWith('account:') && !rule.allowRestrictedTokens) parts.push('unrestricted-token');
  if (rule.platformAdmin) parts.push('platform-admin');
  if (rule.platformKey) parts.push('or-platform-key');
  if (rule.tokenExchangeForm) parts.push('or-token-exchange-form-rate-limited-per-IP');
  const apiUsers = rule.allowApiUsers ?? rule.permission !== undefined;
  parts.push(apiUsers ? 'users+api-users' : 'users');
  return parts.join(' ');
}
