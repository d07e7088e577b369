// A squatted account's workspace, for the tests of what the real owner's password reset ends (reviews
// 13b to 17a): someone registers the victim's address (never verified) and makes a workspace, where a
// real, verified colleague is admin and has an admin API user of their own.
import { registerUser, uniqueEmail } from './api';
import { newWorkspace } from './fixtures';
import type { TestApp } from './test-app';

export async function squattedWorkspace(t: TestApp) {
  const victimEmail = uniqueEmail('victim');
  const squatter = await registerUser(t, victimEmail, 'Squatter');
  const ws = await newWorkspace(t, squatter, 'Victim Corp');
  const colleague = await ws.member('admin');
  const colleaguesBot = await ws.apiUser({ roles: ['admin'], by: colleague.personalToken });
  return { victimEmail, squatter, ws, colleague, colleaguesBot };
}
