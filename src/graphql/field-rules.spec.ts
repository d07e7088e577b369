// Every root field of the GraphQL API declares the rule of a REST route, and this list is reviewed as a
// permission change when it changes (as test/contract/route-table.e2e-spec.ts is for REST).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { ACCESS_RULE } from '../auth/access.decorators';
import { AccountResolver } from './account.resolver';
import { MutationResolver } from './mutation.resolver';
import { QueryResolver } from './query.resolver';
import { TeamMutationResolver } from './team.resolver';
import { TrustRuleMutationResolver } from './trust-rule.resolver';
import { WebhookMutationResolver } from './webhook.resolver';

/** Every class that holds root fields; the test below fails when the schema has one of none of them. */
const ROOT_RESOLVERS = [
  QueryResolver,
  MutationResolver,
  AccountResolver,
  WebhookMutationResolver,
  TeamMutationResolver,
  TrustRuleMutationResolver,
];

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
    const fields = ROOT_RESOLVERS.flatMap(rootFields);
    expect(fields.filter(([, , rule]) => rule === 'NO RULE')).toEqual([]);
    // Every root field of the committed schema is one of these (a resolver class missing above would hide its fields).
    const schema = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));
    const inSchema = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.keys(type?.getFields() ?? {}).map((name) => `${type?.name} ${name}`),
    );
    expect(fields.map(([type, name]) => `${type} ${name}`).sort()).toEqual(inSchema.sort());
    expect(fields.map(([type, name, rule]) => `${type} ${name}: ${JSON.stringify(rule)}`).sort()).toMatchSnapshot();
  });
});
