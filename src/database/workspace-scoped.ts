// Tenant isolation, enforced in one place: in a repository marked @WorkspaceScoped(), every method takes
// the workspace id as its first argument and refuses an empty one before any query is built (TypeORM
// drops an undefined filter and would match every workspace). Deny by default: a method added later is
// checked too, unless the class names it in `notScoped` (a lookup by secret, or by the user across workspaces).
/**
 * The one check of an id a query filters by (a workspace's, an owner's): TypeORM drops undefined from a
 * where clause, so a filter built from an empty value would match every row.
 */
export function requireId(id: string): string {
  if (typeof id !== 'string' || id.length === 0) throw new Error('an id is required for this query');
  return id;
}

type Method = (this: unknown, workspaceId: string, ...rest: unknown[]) => unknown;

export function WorkspaceScoped(options: { notScoped?: readonly string[] } = {}): ClassDecorator {
  return (target) => {
    const prototype = target.prototype as Record<string, unknown>;
    const notScoped = new Set(options.notScoped ?? []);
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = prototype[name];
      if (name === 'constructor' || typeof method !== 'function') continue;
      if (notScoped.delete(name)) continue;
      const scoped = function (this: unknown, workspaceId: string) {
        requireId(workspaceId);
        // `arguments` passes the rest through without building an array per call.
        // eslint-disable-next-line prefer-rest-params
        return (method as Method).apply(this, arguments as unknown as Parameters<Method>);
      };
      Object.defineProperty(scoped, 'name', { value: name });
      prototype[name] = scoped;
    }
    // A name that matches no method is a typo that would leave the real one unchecked.
    if (notScoped.size > 0) throw new Error(`@WorkspaceScoped names no such methods: ${[...notScoped].join(', ')}`);
  };
}
