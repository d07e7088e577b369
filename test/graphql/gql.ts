// Sending GraphQL through HTTP as a client would: POST /graphql with a token (Bearer unless told).
import type { Response } from 'supertest';
import type { TestApp } from '../support/test-app';

export interface GqlResult {
  status: number;
  headers: Record<string, string>;
  data: Record<string, unknown> | null | undefined;
  errors:
    Array<{ message: string; path?: string[]; extensions?: { code?: string; fieldErrors?: unknown; requestId?: string } }> | undefined;
  body: Record<string, unknown>;
}

export async function gql(
  t: TestApp,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
  scheme: 'Bearer' | 'Token' = 'Bearer',
): Promise<GqlResult> {
  const req = t.http().post('/graphql');
  if (token !== null) req.set('Authorization', `${scheme} ${token}`);
  const res: Response = await req.send({ query, variables });
  return {
    status: res.status,
    headers: res.headers as Record<string, string>,
    data: res.body?.data,
    errors: res.body?.errors,
    body: res.body,
  };
}

/** The extensions.code of each error, in order. */
export function codes(result: GqlResult): string[] {
  return (result.errors ?? []).map((e) => String(e.extensions?.code));
}
