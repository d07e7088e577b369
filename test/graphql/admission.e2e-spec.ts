// Deny by default: a root field whose rule names a workspace is admitted there before its resolver
// runs (GraphqlWorkspaceAdmission), so a resolver that forgets to admit its caller is still held to the
// rule. Proved with test-only fields (a `_` in the name keeps them out of the conformance check).
import { Module } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { DevicesController } from '../../src/devices/devices.controller';
import { SameRuleAs } from '../../src/graphql/same-rule';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

const ran: string[] = [];

@Resolver()
class ForgetfulResolver {
  @Mutation(() => Boolean, { description: 'test only: creates nothing, admits nobody itself' })
  @SameRuleAs(DevicesController, 'create')
  forgetful_create(@Args('workspaceId', { type: () => ID }) workspaceId: string): boolean {
    ran.push(`create ${workspaceId}`);
    return true;
  }

  @Query(() => Boolean, { description: 'test only: reads nothing, admits nobody itself' })
  @SameRuleAs(DevicesController, 'list')
  forgetful_list(@Args('workspaceId', { type: () => ID }) workspaceId: string): boolean {
    ran.push(`list ${workspaceId}`);
    return true;
  }

  @Query(() => Boolean, { description: 'test only: a workspace rule and no workspace argument' })
  @SameRuleAs(DevicesController, 'list')
  forgetful_nowhere(@Args('deviceId', { type: () => ID }) deviceId: string): boolean {
    ran.push(`nowhere ${deviceId}`);
    return true;
  }
}

@Module({ providers: [ForgetfulResolver] })
class ForgetfulModule {}

describe('GraphQL workspace admission (deny by default)', () => {
  let t: TestApp;
  let victim: WorkspaceFixture;

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { imports: [ForgetfulModule] });
    victim = await newWorkspace(t);
  });
  afterAll(() => t.close());
  beforeEach(() => ran.splice(0));

  it('answers NOT_FOUND to an outsider before a forgetful resolver runs, for a query and a mutation', async () => {
    const outsider = (await newWorkspace(t)).owner;
    const asked = await gql(t, outsider.personalToken, 'query($w: ID!) { forgetful_list(workspaceId: $w) }', { w: victim.id });
    expect(codes(asked)).toEqual(['NOT_FOUND']);
    const changed = await gql(t, outsider.personalToken, 'mutation($w: ID!) { forgetful_create(workspaceId: $w) }', { w: victim.id });
    expect(codes(changed)).toEqual(['NOT_FOUND']);
    expect(ran).toEqual([]);
  });

  it('holds a member to the permission, and lets the owner through', async () => {
    const viewer = await victim.member('viewer');
    const refused = await gql(t, viewer.personalToken, 'mutation($w: ID!) { forgetful_create(workspaceId: $w) }', { w: victim.id });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(ran).toEqual([]);
    const allowed = await gql(t, victim.owner.personalToken, 'mutation($w: ID!) { forgetful_create(workspaceId: $w) }', { w: victim.id });
    expect(allowed.data).toEqual({ forgetful_create: true });
    expect(ran).toEqual([`create ${victim.id}`]);
  });

  it('refuses junk workspace ids as input, and a field with a workspace rule but no workspace argument', async () => {
    const junk = await gql(t, victim.owner.personalToken, 'query { forgetful_list(workspaceId: "../../etc") }');
    expect(codes(junk)).toEqual(['BAD_USER_INPUT']);
    const nowhere = await gql(t, victim.owner.personalToken, `query { forgetful_nowhere(deviceId: "${victim.id}") }`);
    expect(codes(nowhere)).toEqual(['INTERNAL']);
    expect(JSON.stringify(nowhere.body)).not.toMatch(/workspace rule|stack|at /);
    expect(ran).toEqual([]);
  });
});
