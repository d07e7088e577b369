// What makes a principal an owner of a workspace, said once: it holds the built-in owner role. In
// TypeScript over role records, and in SQL over a joined roles row (the access query, the owner count).
import type { BuiltInRole } from './permissions';

const OWNER: BuiltInRole = 'owner';

/** True when the roles include the built-in owner role. */
export function includesOwnerRole(roles: ReadonlyArray<{ builtIn: string | null }>): boolean {
  return roles.some((role) => role.builtIn === OWNER);
}

/** The SQL condition "this roles row is the owner role", for the roles table under `alias`. */
export function isOwnerRoleSql(alias: string): string {
  return `${alias}.built_in = '${OWNER}'`;
}
