// Every root field of the GraphQL API declares the rule of a REST route, and this list is reviewed as a
// permission change when it changes (as test/contract/route-table.e2e-spec.ts is for REST).
import 'reflect-metadata';
import { ACCESS_RULE } from '../auth/access.decorators';
import { MutationResolver } from './mutation.resolver';
import { QueryResolver } from './query.resolver';

function rootFields(resolver: { prototype: object }): Array<[string, string, unknown]> {
  const prototype = resolver.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .filter((name) => typeof prototype[name] === 'function' && Reflect.getMetadata('graphql:resolver_type', prototype[name] as object))
    .map((name) => {
      const handler = prototype[name] as object;
      const rule = Reflect.getMetadata(ACCESS_RULE, handler) as Record<string, unknown> | undefined;
      return [Reflect.getMetadata('graphql:resolver_type', handler) as string, name, rule ?? 'NO RULE'];
    });
}

describe('GraphQL root fields', () => {
  it('each declares the rule of the REST route it stands for', () => {
    const fields = [...rootFields(QueryResolver), ...rootFields(MutationResolver)];
    expect(fields.filter(([, , rule]) => rule === 'NO RULE')).toEqual([]);
    expect(fields.map(([type, name, rule]) => `${type} ${name}: ${JSON.stringify(rule)}`).sort()).toMatchSnapshot();
  });
});
